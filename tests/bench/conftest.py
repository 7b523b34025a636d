"""Fixtures for the smoke runs of the benchmarks and the soak."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_module(real_server, tmp_path):
    """Run `python -m <module> <args>` against the session's real server; return its output."""

    def run(module: str, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        env = {**os.environ, "MONGO_URI": real_server}
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{module} failed:\n{done.stdout}\n{done.stderr}"
        return done

    return run

"""Fixtures for the smoke runs of the benchmarks and the soak."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python_module(module: str, *args: str, env: dict, timeout: float = 240):
    """Run `python -m module args` from the project root; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def on_real_server(real_server):
    """The environment for a run against the session's real server (MONGO_URI set)."""
    return {**os.environ, "MONGO_URI": real_server}


@pytest.fixture
def on_own_server():
    """The environment for a run that starts (and may stop) its own embedded database."""
    return {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "FLASKR_MONGO_URI")}

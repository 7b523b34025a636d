"""`make bench-two-factor` in miniature: it runs and writes every figure."""

from __future__ import annotations

import json
import os

from .conftest import run_python_module


def test_two_factor_bench_smoke_writes_its_figures(tmp_path):
    done = run_python_module(
        "benchmarks.two_factor", "--smoke", "--out", str(tmp_path), env=dict(os.environ)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "two_factor.json").read_text())
    assert report["bcrypt_rounds"] == 4 and report["recovery_code_cost"] == 4
    assert report["recovery_codes"] == 10
    for name in (
        "seal_ms",
        "open_ms",
        "totp_window_check_ms",
        "make_recovery_codes_ms",
        "check_recovery_code_ms",
        "check_wrong_recovery_code_ms",
    ):
        assert report[name] > 0, name
        assert f"{name}: " in done.stdout

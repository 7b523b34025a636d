"""`make bench-forgot` in miniature: it runs, both addresses get one same answer, every known
request queues its link, and the figures are written."""

from __future__ import annotations

import json

import pytest

from .conftest import run_python_module

pytestmark = pytest.mark.realdb


def test_forgot_benchmark_smoke(on_own_server, tmp_path):
    done = run_python_module(
        "benchmarks.forgot", "--smoke", "--out", str(tmp_path), env=on_own_server
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "forgot.json").read_text())
    assert report["distinct_answers"] == 1 and report["status"] == [200]
    assert report["links_queued"] == report["known"]["samples"] == report["unknown"]["samples"]
    for side in ("known", "unknown"):
        figures = report[side]
        assert 0 < figures["p10_ms"] <= figures["median_ms"] <= figures["p90_ms"]
    assert report["work_after_answer"]["known"]["median_ms"] > 0
    assert "forgot: known" in done.stdout

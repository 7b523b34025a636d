"""`make bench-admin` in miniature: it seeds, signs an administrator in, times every admin
page (each answering 200) and writes the figures."""

from __future__ import annotations

import json

import pytest

from .conftest import run_python_module

pytestmark = pytest.mark.realdb

PAGES = [
    "overview",
    "users_first_page",
    "users_search",
    "users_next_page",
    "one_user",
    "trail_newest",
    "trail_by_event",
    "trail_by_address",
    "trail_by_user",
    "trail_csv_one_user",
]


def test_admin_benchmark_smoke(on_own_server, tmp_path):
    done = run_python_module(
        "benchmarks.admin", "--smoke", "--out", str(tmp_path), env=on_own_server
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "admin.json").read_text())
    [run] = report["runs"]
    assert (run["users"], run["events"]) == (300, 2000)
    assert list(run["pages"]) == PAGES
    for name, figures in run["pages"].items():
        assert 0 < figures["median_ms"] <= figures["max_ms"], name
        assert f"  {name}: " in done.stdout

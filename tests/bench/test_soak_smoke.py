"""`make soak` in miniature: mixed traffic, then the database killed and restarted."""

from __future__ import annotations

import json

import pytest

from .conftest import run_python_module

pytestmark = pytest.mark.realdb


def test_soak_smoke_passes_its_checks_and_writes_json(on_own_server, tmp_path):
    done = run_python_module(
        "benchmarks.soak", "--smoke", "--out", str(tmp_path), env=on_own_server
    )
    report = json.loads((tmp_path / "soak.json").read_text())
    steady, outage = report["steady"], report["outage"]
    failed = {
        f"{phase}.{name}": report[phase]
        for phase in ("steady", "outage")
        for name, ok in report[phase]["checks"].items()
        if not ok
    }
    assert not failed, json.dumps(failed, indent=1, default=str)[:4000]
    assert report["passed"] and done.returncode == 0, done.stdout + done.stderr

    # Every kind of traffic happened and was answered.
    kinds = {key.split()[0] for key in steady["statuses"]}
    assert {"signin", "wrong_password", "page", "register"} <= kinds
    assert steady["statuses"].get("wrong_password 401", 0) > 0
    assert steady["accounts"]["registered"] > 0
    assert steady["rss_samples_mb"] and steady["rss_growth_last_half"] is not None

    # The outage was real: requests were answered 503 while the database was down.
    assert outage["while_down"] and set(outage["while_down"]) == {
        k for k in outage["while_down"] if k.endswith(" 503")
    }
    assert outage["after_recovery"].get("signin 302", 0) > 0

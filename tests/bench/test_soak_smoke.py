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
    # On failure, show what each failed check looked at (not the whole report).
    evidence = ("statuses", "errors", "fivexx", "accounts", "not_503_while_down")
    evidence += ("failed_after_recovery", "other_5xx_seconds_after_kill", "while_down")
    failed = {
        f"{phase}.{name}": {k: report[phase][k] for k in evidence if k in report[phase]}
        for phase in ("steady", "outage")
        for name, ok in report[phase]["checks"].items()
        if not ok
    }
    assert not failed, json.dumps(failed, indent=1, default=str)
    assert report["passed"] and done.returncode == 0, done.stdout + done.stderr

    # Every kind of traffic happened and was answered.
    kinds = {key.split()[0] for key in steady["statuses"]}
    assert {"signin", "wrong_password", "page", "register"} <= kinds
    # A wrong password never signs in: refused (401), or refused for a while (429).
    wrong = {k.split()[1] for k in steady["statuses"] if k.startswith("wrong_password ")}
    assert wrong and wrong <= {"401", "429"}
    assert steady["accounts"]["registered"] > 0
    assert steady["rss_samples_mb"] and steady["rss_growth_last_half"] is not None

    # The outage was real: requests were answered 503 while the database was down.
    assert outage["while_down"] and set(outage["while_down"]) == {
        k for k in outage["while_down"] if k.endswith(" 503")
    }
    assert outage["after_recovery"].get("signin 302", 0) > 0

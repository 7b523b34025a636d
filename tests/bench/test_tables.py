"""The README's tables are made from the reports, between their markers only."""

from __future__ import annotations


def test_soak_table_reads_the_report(tmp_path):
    from benchmarks import table

    report = {
        "started_at": "2026-01-01T00:00:00+00:00",
        "machine": {"cores": 2},
        "database": "embedded SecantusDB",
        "passed": False,
        "settings": {"recover_s": 5},
        "steady": {
            "seconds": 300,
            "requests": 1234,
            "per_s": 4.1,
            "fivexx": {"page 500": 2},
            "accounts": {"registered": 7, "users_in_database": 257, "ok": True},
            "rss_growth_last_half": 0.021,
        },
        "outage": {
            "down_for_s": 20,
            "while_down": {"signin 503": 9},
            "checks": {"only_503_while_down": True, "recovered": False, "accounts": True},
        },
    }
    readme = tmp_path / "README.md"
    readme.write_text(f"{table.SOAK_START}\nold\n{table.SOAK_END}\n")
    assert table.update_readme(
        readme, report, (table.SOAK_START, table.SOAK_END), table.soak_markdown
    )
    text = readme.read_text()
    assert "**some checks failed**" in text and "5xx: 2 |" in text
    assert "| Worker RSS growth over the second half | 2.1% |" in text
    assert "signin 503: 9" in text and "recovered: **no**" in text


def test_cpu_table_reads_the_report_and_says_what_it_did_not_measure():
    from benchmarks import table

    reason = "MONGO_URI names a server this run did not start (mongodb://db.example/x)"
    figures = {"requests": 10, "database": None, "app": 1.234, "load": 0.1, "total": 1.334}
    report = {
        "signin": {"cpu_ms_per_signin": {**figures, "total": 260.5, "non_bcrypt": 17.0}},
        "pages": {
            "routes": {
                "/healthz": {"cpu_ms_per_request": {**figures, "not_measured": {}}},
                "/user": {"cpu_ms_per_request": {"requests": 0, "not_measured": {}}},
                "/api/v1/me": {"missing": "GET /api/v1/me answered 404"},
            }
        },
    }
    report["signin"]["cpu_ms_per_signin"]["not_measured"] = {"database": reason}
    lines = table.cpu_markdown(report)
    assert "| Sign-in (form GET + POST) | not measured | 1.23 | 0.10 | 260.50 | 17.00 |" in lines
    assert "| `GET /healthz` | not measured | 1.23 | 0.10 | 1.33 |  |" in lines
    assert "| `GET /user` (signed in) | not measured: no request completed | | | | |" in lines
    assert any(
        line.startswith("| `GET /api/v1/me` (signed in) | not measured: the route")
        for line in lines
    )
    assert f"Database not measured: {reason}; the totals leave it out." in lines

    # A report from before the CPU figures has no CPU table.
    del report["signin"]["cpu_ms_per_signin"]
    assert table.cpu_markdown(report) == []

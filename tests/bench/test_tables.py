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

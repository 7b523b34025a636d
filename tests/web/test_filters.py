"""Template filters: times as people read them."""

from __future__ import annotations

from datetime import UTC, datetime

from flaskr.web.filters import when


def test_when_filter():
    assert when(datetime(2026, 3, 4, 5, 6, tzinfo=UTC)) == "04 March 2026, 05:06 UTC"
    assert when(None) == ""

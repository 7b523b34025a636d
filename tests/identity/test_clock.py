"""The one clock: UTC with millisecond precision, as MongoDB stores it."""

from __future__ import annotations

from flaskr.identity import clock


def test_now_has_millisecond_precision():
    t = clock.now()
    assert t.tzinfo is not None
    assert t.microsecond % 1000 == 0

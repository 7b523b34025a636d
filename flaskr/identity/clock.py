"""The one clock: `now()` everywhere, frozen in tests by one fixture (`clock` in tests/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_source: Callable[[], datetime] | None = None


def _truncated(t: datetime) -> datetime:
    # MongoDB stores milliseconds: a time read back must equal the time written.
    return t.replace(microsecond=t.microsecond // 1000 * 1000)


def now() -> datetime:
    """The current time, as MongoDB stores it (UTC, millisecond precision)."""
    return _truncated(_source() if _source is not None else datetime.now(UTC))


class Frozen:
    """A clock that stands still until moved: `advance(minutes=5)`, or `at = ...`."""

    def __init__(self, at: datetime) -> None:
        self.at = _truncated(at)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = _truncated(self.at + timedelta(**delta))
        return self.at


def use(source: Callable[[], datetime] | None) -> None:
    """Read the time from `source` (None: the system clock again). For tests and tools."""
    global _source
    _source = source

"""The admin area's first page: what an operator looks at, counted from the audit trail,
the throttle counters and the user store, and drawn on the server (SVG, no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..identity import audit, clock, throttle, users
from ..mail import outbox
from ..web.context import settings

SIGN_INS = [audit.SIGN_IN]
FAILED = [audit.SIGN_IN_FAILED, audit.SECOND_STEP_FAILED]

# The chart's drawing area, in SVG user units (it scales to the page's width).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 40, 30, 12


@dataclass(frozen=True)
class Bucket:
    """One stretch of time on a chart: its label, and the counts in it."""

    start: datetime
    label: str
    sign_ins: int
    failed: int


@dataclass(frozen=True)
class Bar:
    """One bar as drawn: where, how tall, what it shows, and its tooltip."""

    x: float
    y: float
    width: float
    height: float
    kind: str  # "ok" or "failed": the stylesheet colours them
    title: str


@dataclass(frozen=True)
class Chart:
    """A chart of sign-ins and failed sign-ins over a stretch of time, ready to draw."""

    id: str
    title: str
    buckets: list[Bucket]
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # x, label
    top: int  # the count at the top of the scale

    width, height, left, top_y = WIDTH, HEIGHT, LEFT, TOP
    baseline = HEIGHT - BOTTOM  # where the bars stand

    @property
    def sign_ins(self) -> int:
        return sum(b.sign_ins for b in self.buckets)

    @property
    def failed(self) -> int:
        return sum(b.failed for b in self.buckets)


@dataclass(frozen=True)
class Overview:
    accounts: int
    locked: int
    day: Chart
    week: Chart
    mail: dict[str, int]  # the outbox by status: queued, sending, retrying, sent, failed
    mail_failures: list[dict]  # the last messages given up on


Counts = dict[tuple[str, datetime], int]


def _buckets(
    counts: Counts, end: datetime, step: timedelta, count: int, label: str
) -> list[Bucket]:
    """`count` stretches of `step` ending at `end`, each with its two counts summed from
    `counts` (per event and hour)."""

    def total(events: list[str], start: datetime) -> int:
        return sum(
            n
            for (event, hour), n in counts.items()
            if event in events and start <= hour < start + step
        )

    return [
        Bucket(
            start=start,
            label=start.strftime(label),
            sign_ins=total(SIGN_INS, start),
            failed=total(FAILED, start),
        )
        for start in (end - i * step for i in range(count, 0, -1))
    ]


def _nice_top(value: int) -> int:
    """The top of the scale: the first of 5, 10, 25, 50, 100, 250, ... at or above `value`."""
    top = 5
    while top < value:
        for factor in (2, 2.5, 2):
            top = int(top * factor)
            if top >= value:
                break
    return top


def draw(chart_id: str, title: str, buckets: list[Bucket], every: int) -> Chart:
    """Lay the buckets out as pairs of bars; label every `every`th one."""
    top = _nice_top(max([b.sign_ins for b in buckets] + [b.failed for b in buckets] + [0]))
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(buckets)
    bar_w = slot * 0.4
    bars, ticks = [], []
    for i, b in enumerate(buckets):
        x = LEFT + i * slot + slot * 0.1
        for offset, value, kind, what in (
            (0, b.sign_ins, "ok", "sign-ins"),
            (bar_w, b.failed, "failed", "failed sign-ins"),
        ):
            height = plot_h * value / top
            bars.append(
                Bar(
                    x=round(x + offset, 1),
                    y=round(TOP + plot_h - height, 1),
                    width=round(bar_w, 1),
                    height=round(height, 1),
                    kind=kind,
                    title=f"{b.label}: {value} {what}",
                )
            )
        if i % every == 0:
            ticks.append((round(x + bar_w, 1), b.label))
    return Chart(id=chart_id, title=title, buckets=buckets, bars=bars, ticks=ticks, top=top)


def overview() -> Overview:
    """Everything the first page shows, counted now."""
    now = clock.now()
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    tomorrow = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    # One read for both charts: the week's hours hold the day's.
    counts = audit.per_hour(SIGN_INS + FAILED, since=tomorrow - timedelta(days=7), until=tomorrow)
    day = _buckets(counts, next_hour, timedelta(hours=1), 24, "%H:00")
    week = _buckets(counts, tomorrow, timedelta(days=1), 7, "%a %d")
    return Overview(
        accounts=users.count_users(),
        locked=throttle.locked_count(now=now, limits=settings().limits),
        day=draw("day", "Sign-ins per hour, last 24 hours (UTC)", day, every=3),
        week=draw("week", "Sign-ins per day, last 7 days (UTC)", week, every=1),
        mail=outbox.counts(),
        mail_failures=outbox.recent_failures(),
    )

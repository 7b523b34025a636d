"""The admin overview: accounts, sign-ins and failed sign-ins over 24 hours and 7 days drawn
as SVG on the server (no script), and the locked usernames."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from flaskr.admin import dashboard
from flaskr.identity import audit, users
from flaskr.identity.audit import Actor
from flaskr.mail import outbox
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import page_text, post_login, signed_in_client

# Far from the day the tests run, so the admin's own sign-in (real time) is not counted.
# A month ahead of the real day, at 10:30: counters made then outlive mongomock's sweep
# (which reads the real clock), and nothing the fixtures did is in its week.
NOW = (datetime.now(UTC) + timedelta(days=30)).replace(hour=10, minute=30, second=0, microsecond=0)


@pytest.fixture
def admin_now(admin_app, clock):
    """An administrator's browser, signed in at NOW (one sign-in, in NOW's hour)."""
    clock.at = NOW
    return signed_in_client(admin_app, "alice")


def event(app, name: str, kind: str, at: datetime) -> None:
    """Record `kind` about `name`'s account as happening at `at`, as the door records it."""
    with app.app_context():
        audit.record(
            kind,
            user_id=users.find_user(name)["_id"],
            actor=Actor.self("203.0.113.5", ""),
            now=at,
            # mongomock sweeps by the real clock: an expiry after the real today.
            retention=timedelta(days=3650),
        )


def words(response) -> str:
    """The page's text as read aloud: tags gone, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)))


def numbers(html: str, chart_id: str) -> dict[str, tuple[int, int]]:
    """The chart's table: label -> (sign-ins, failed)."""
    figure = html[html.index(f'id="{chart_id}-caption"') :]
    figure = figure[: figure.index("</figure>")]
    return {
        label: (int(ok), int(failed))
        for label, ok, failed in re.findall(
            r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td></tr>', figure
        )
    }


@pytest.mark.db
def test_counts_per_hour_and_per_day(admin_app, admin_now):
    for hours_ago, kind in [
        (0, "sign_in"),
        (1, "sign_in"),
        (1, "sign_in_failed"),
        (5, "second_step_failed"),
    ]:
        event(admin_app, "bob", kind, NOW - timedelta(hours=hours_ago, minutes=10))
    event(admin_app, "bob", "sign_in", NOW - timedelta(days=3))
    event(admin_app, "bob", "sign_in_failed", NOW - timedelta(days=6, hours=10))
    event(admin_app, "bob", "sign_in", NOW - timedelta(days=8))  # before the week
    event(admin_app, "bob", "sign_out", NOW - timedelta(hours=1))  # not a sign-in
    # A failed sign-in for a name no account has counts too (it is not stored).
    post_login(admin_app.test_client(), "nobody-at-all", "wrong-password-1")
    response = admin_now.get("/admin")
    html = response.get_data(as_text=True)
    text = words(response)
    # alice's own sign-in (admin_now) is one of them.
    assert "Sign-ins, last 24 hours 3 (3 failed)" in text
    assert "Sign-ins, last 7 days 4 (4 failed)" in text
    day = numbers(html, "day")
    assert len(day) == 24
    assert (day["10:00"], day["09:00"], day["05:00"], day["11:00"]) == (
        (2, 1),
        (1, 1),
        (0, 1),
        (0, 0),
    )
    week = numbers(html, "week")
    days = [(NOW - timedelta(days=6 - i)).strftime("%a %d") for i in range(7)]
    assert list(week) == days
    assert week[days[6]] == (3, 3)
    assert week[days[3]] == (1, 0)
    assert week[days[0]] == (0, 1)
    assert sum(ok for ok, _ in week.values()) == 4


@pytest.mark.db
def test_the_chart_is_svg_drawn_on_the_server_with_no_script(admin_app, admin_now):
    for _ in range(3):
        event(admin_app, "bob", "sign_in", NOW - timedelta(minutes=5))
    html = admin_now.get("/admin").get_data(as_text=True)
    # No script but the layout's own flaskr.js, and that draws nothing.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/flaskr.js" defer>']
    assert html.count('<svg viewBox="0 0 640 220" role="img"') == 2
    assert '<title id="day-title">Sign-ins per hour, last 24 hours (UTC)</title>' in html
    day = html[html.index('id="day-caption"') : html.index('id="week-caption"')]
    bars = re.findall(
        r'<rect class="bar (ok|failed)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
        r'height="([\d.]+)"><title>([^<]+)</title>',
        day,
    )
    assert len(bars) == 48
    tallest = max(bars, key=lambda b: float(b[2]))
    # 4 (alice's and bob's 3) of a scale topped at 5, on a 178-unit-high plot, on the axis.
    assert tallest[3] == "10:00: 4 sign-ins"
    assert float(tallest[2]) == pytest.approx(178 * 4 / 5, abs=0.1)
    assert '<line class="axis" x1="40" y1="190" x2="640" y2="190">' in day
    assert all(float(y) + float(h) == pytest.approx(190, abs=0.2) for _, y, h, _ in bars)


@pytest.mark.db
def test_accounts_and_locked_usernames(admin_app, admin):
    add_user(admin_app, "carol")
    stranger = admin_app.test_client()
    for name in ("carol", "nobody-at-all"):
        for _ in range(admin_app.config["LOGIN_MAX_FAILURES"]):
            post_login(stranger, name, "wrong-password-1")
    text = words(admin.get("/admin"))
    assert "Accounts 3" in text
    assert "Locked out now 2 usernames" in text


@pytest.mark.parametrize(
    "value, top", [(0, 5), (5, 5), (6, 10), (11, 25), (26, 50), (51, 100), (101, 250), (999, 1000)]
)
def test_the_scale_tops_at_a_round_number(value, top):
    assert dashboard._nice_top(value) == top


def test_bars_stand_on_the_axis_and_scale_with_their_counts():
    start = NOW
    buckets = [
        dashboard.Bucket(start + timedelta(hours=i), f"{i:02d}:00", i, i // 2) for i in range(24)
    ]
    chart = dashboard.draw("x", "t", buckets, every=3)
    assert chart.top == 25
    assert len(chart.bars) == 48 and len(chart.ticks) == 8
    baseline = dashboard.HEIGHT - dashboard.BOTTOM
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(baseline, abs=0.2)
        assert dashboard.LEFT <= bar.x < dashboard.WIDTH
    assert chart.bars[-2].height == pytest.approx(178 * 23 / 25, abs=0.1)
    assert (chart.sign_ins, chart.failed) == (sum(range(24)), sum(i // 2 for i in range(24)))


@pytest.mark.db
def test_mail_queued_and_failed(admin_app, admin):
    with admin_app.app_context():
        for to in ("a@example.com", "b@example.com", "c@example.com"):
            outbox.enqueue(to=to, subject="s", text="t", kind="notice")
        message = outbox.claim(timedelta(minutes=5))
        outbox.mark_failed(message, "550 5.1.1 No such user")
    response = admin.get("/admin")
    text = words(response)
    assert "Mail queued 2 (0 being sent, 0 waiting to be retried)" in text
    assert "Mail failed, last 30 days 1 (0 sent)" in text
    assert "The latest mail given up on" in text
    assert "a@example.com 550 5.1.1 No such user" in text


@pytest.mark.db
def test_an_hours_counter_counts_every_event_of_many_at_once(admin_app):
    from tests.support.threads import together

    hour = NOW.replace(minute=0)
    together(*[lambda: audit.count_hour("sign_in", NOW)] * 12, app=admin_app)
    with admin_app.app_context():
        counted = audit.per_hour(["sign_in"], since=hour, until=hour + timedelta(hours=1))
    assert counted == {("sign_in", hour): 12}
    # Swept a little over a week after its hour (a TTL index on expires_at).
    stored = db_of(admin_app).audit_hours.find_one()
    assert stored["expires_at"] == hour + timedelta(days=8)

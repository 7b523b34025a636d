"""The audit trail: stored for existing users, one log line per event, shown on the user page."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from flaskr.identity import audit
from flaskr.identity import clock as app_clock
from flaskr.identity.audit import Actor
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import IPHONE, PASSWORD, csrf_token, post_login, signed_in_client

WRONG = "not-the-password-at-all"


def events(db, user) -> list[str]:
    stored = db.auth_events.find({"user_id": user["_id"]}).sort("at", 1)
    return [e["event"] for e in stored]


@pytest.mark.db
def test_sign_in_failure_sign_in_and_sign_out_are_recorded(app, alice, db):
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = IPHONE
    post_login(browser, "alice", WRONG, ip="203.0.113.5")
    post_login(browser, "alice", PASSWORD, ip="203.0.113.5")
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/")})
    assert events(db, alice) == ["sign_in_failed", "sign_in", "sign_out"]
    stored = db.auth_events.find_one({"event": "sign_in"})
    assert stored["ip"] == "203.0.113.5"
    assert stored["user_agent"] == IPHONE
    assert stored["expires_at"] == stored["at"] + timedelta(days=90)
    assert stored["actor"] == "self"  # the person at the browser, not an administrator
    assert set(stored) == {
        "_id",
        "user_id",
        "event",
        "actor",
        "ip",
        "user_agent",
        "at",
        "expires_at",
    }


@pytest.mark.db
def test_failures_for_unknown_users_are_not_stored(client, db):
    post_login(client, "nobody", WRONG)
    assert db.auth_events.count_documents({}) == 0


def test_throttling_password_change_and_revocations_are_recorded(app, alice, db):
    laptop, _phone = signed_in_client(app), signed_in_client(app, agent=IPHONE)
    laptop.post(
        "/account/password",
        data={
            "csrf_token": csrf_token(laptop, "/account"),
            "current_password": PASSWORD,
            "new_password": "amber-lantern-42-glacier",
        },
    )
    laptop.post("/account/sessions/revoke", data={"csrf_token": csrf_token(laptop, "/account")})
    # A stranger's browser (the phone, a known device, has its own budget).
    stranger = app.test_client()
    for _ in range(6):
        post_login(stranger, "alice", WRONG)
    assert events(db, alice) == [
        "sign_in",
        "sign_in",
        "password_changed",
        "signed_out_everywhere",
        *["sign_in_failed"] * 5,
        "account_locked",
    ]


def test_the_user_page_shows_the_last_ten_events(app, alice, clock):
    start = clock.at
    for minute in range(12):
        clock.at = start + timedelta(minutes=minute)
        post_login(app.test_client(), "alice", WRONG, ip=f"203.0.113.{minute}")
        if minute % 4 == 3:
            # A success now and then keeps the username from being locked.
            post_login(app.test_client(), "alice", PASSWORD, ip=f"203.0.113.{minute}")
    clock.at = start + timedelta(minutes=20)
    browser = signed_in_client(app, agent=IPHONE, ip="192.0.2.1")
    page = browser.get("/user").get_data(as_text=True)
    assert "Recent activity" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    assert rows == 10
    assert page.index("192.0.2.1") < page.index("203.0.113.11")  # newest first
    assert "203.0.113.5<" in page
    assert "203.0.113.4<" not in page  # the oldest ones are not shown
    assert "Failed sign-in (wrong password)" in page
    assert "Safari on iPhone" in page


def test_each_event_is_one_log_line_without_secrets(app, alice, caplog):
    caplog.set_level(logging.INFO, logger="flaskr.audit")
    post_login(app.test_client(), "alice", WRONG)
    post_login(app.test_client(), "nobody", WRONG)
    post_login(app.test_client(), "alice", PASSWORD)
    records = [r for r in caplog.records if r.name == "flaskr.audit"]
    assert [r.event for r in records] == ["sign_in_failed", "sign_in_failed", "sign_in"]
    assert records[0].user_id == str(alice["_id"])
    assert records[1].user_id is None
    assert {r.client_ip for r in records} == {"198.51.100.7"}
    for record in records:
        text = record.getMessage() + repr(record.__dict__)
        assert PASSWORD not in text and WRONG not in text and "nobody" not in text


def test_events_older_than_the_retention_are_not_shown(app, alice):
    with app.app_context():
        old = app_clock.now() - timedelta(days=100)
        audit.record(
            audit.SIGN_IN,
            user_id=alice["_id"],
            actor=Actor.self("192.0.2.99", ""),
            now=old,
            retention=timedelta(days=90),
        )
        assert audit.recent(alice["_id"], now=app_clock.now()) == []


def test_the_retention_is_configurable(make_app):
    app = make_app(AUDIT_RETENTION_DAYS=7)
    user = add_user(app)
    post_login(app.test_client(), "alice", WRONG)
    stored = db_of(app).auth_events.find_one({"user_id": user["_id"]})
    assert stored["expires_at"] - stored["at"] == timedelta(days=7)


@pytest.mark.db
def test_a_hammered_account_records_its_lockout_once(app, alice, db, caplog):
    caplog.set_level(logging.INFO, logger="flaskr.audit")
    for _ in range(20):
        post_login(app.test_client(), "alice", WRONG)
    # Five failures, then the lockout, stored once: the activity list is not flooded...
    assert events(db, alice) == ["sign_in_failed"] * 5 + ["account_locked"]
    # ...while the log still shows every refused attempt.
    refused = [r for r in caplog.records if getattr(r, "event", "") == "sign_in_throttled"]
    assert len(refused) == 15

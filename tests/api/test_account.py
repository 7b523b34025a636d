"""The signed-in user's password, recent activity and deletion under /api/v1, on mongomock and
on the real server: the same rules, events and words as the account and user pages."""

from __future__ import annotations

from datetime import datetime

import pytest

from flaskr import messages
from flaskr.identity import audit
from flaskr.identity.policy import Policy
from tests.api.conftest import IPHONE, NEW_PASSWORD, ApiClient, error_code, signed_in
from tests.support.web import PASSWORD

pytestmark = pytest.mark.db


@pytest.fixture
def alice(api):
    assert api.register().status_code == 201
    return api


# The password.


def change(api: ApiClient, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return api.post("/password", {"current_password": current, "new_password": new})


def test_changing_the_password_ends_the_other_sessions_only(app, alice, device, db):
    laptop, phone = device(), device(agent=IPHONE, remember=True)
    response = change(laptop)
    assert response.status_code == 204
    assert response.data == b""
    assert signed_in(laptop)
    phone.client.delete_cookie("session")
    assert not signed_in(phone)
    # This session keeps its CSRF token; the new password signs in, the old one not.
    assert laptop.post("/sessions/revoke-others").status_code == 200
    phone.csrf()  # its cookie went, and with it its token
    assert phone.login(password=PASSWORD).status_code == 401
    assert phone.login(password=NEW_PASSWORD).status_code == 200
    assert db.auth_events.count_documents({"event": "password_changed"}) == 1


@pytest.mark.parametrize("new", ["short", "password123", "alice-" + PASSWORD, "tab\there-long"])
def test_a_new_password_the_policy_refuses_is_422_with_its_reason(app, alice, device, new):
    laptop = device()
    response = change(laptop, new=new)
    assert response.status_code == 422
    error = response.get_json()["error"]
    reason = Policy.from_config(app.config).password_problem(new, "alice")
    assert reason
    assert (error["code"], error["fields"]) == ("validation_failed", {"new_password": reason})
    assert laptop.login(password=PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("current", "reason"),
    [("", messages.ENTER_CURRENT_PASSWORD), ("x" * 1025, messages.PASSWORD_TOO_LONG)],
)
def test_a_current_password_no_one_can_have_is_422_like_the_form(
    alice, device, db, current, reason
):
    laptop = device()
    response = change(laptop, current=current, new="short")
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert fields["current_password"] == reason
    assert set(fields) == {"current_password", "new_password"}
    # A form refused before the password is checked counts no failure.
    assert db.auth_events.count_documents({"event": "password_confirmation_failed"}) == 0


def test_a_wrong_current_password_is_400_and_changes_nothing(alice, device, db):
    laptop, phone = device(), device(agent=IPHONE)
    response = change(laptop, current=PASSWORD + "x")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"code": "wrong_password", "message": messages.WRONG_CURRENT_PASSWORD}
    }
    assert signed_in(phone)
    assert phone.login(password=PASSWORD).status_code == 200
    # Recorded as what it was, not as a failed sign-in.
    assert [e["event"] for e in db.auth_events.find({"event": {"$regex": "failed"}})] == [
        "password_confirmation_failed"
    ]


def test_guessing_the_current_password_is_throttled_like_sign_in(make_app, openapi_schema):
    app = make_app(LOGIN_MAX_FAILURES=3)
    api = ApiClient(app.test_client(), openapi_schema)
    api.register()
    api.login()
    assert [change(api, current="guess").status_code for _ in range(3)] == [400] * 3
    locked = change(api)
    assert locked.status_code == 429
    assert error_code(locked) == "too_many_attempts"
    assert locked.get_json()["error"]["message"] == messages.too_many_attempts(900)
    assert int(locked.headers["Retry-After"]) > 0
    # The same lockout as sign-in for this device (its own budget, from its device cookie):
    # the password cannot be guessed there either, while a stranger keeps the account's.
    assert api.login().status_code == 429
    assert ApiClient(app.test_client(), openapi_schema).login().status_code == 200


# Recent activity.


def test_activity_is_the_user_pages_recent_activity(app, alice, device, runner):
    laptop = device()
    assert laptop.login(password="wrong-" + PASSWORD).status_code == 401
    laptop.login()
    with app.app_context():
        assert runner.invoke(args=["users", "unlock", "alice"]).exit_code == 0
    events = laptop.get("/activity").get_json()["events"]
    assert [e["event"] for e in events] == [
        "account_unlocked",
        "sign_in",
        "sign_in_failed",
        "sign_in",
        "account_created",
    ]
    unlocked, signed_in_now = events[0], events[1]
    assert unlocked["actor"] == "cli"
    assert unlocked["description"] == "Sign-in lockout lifted by an administrator (command line)"
    assert (unlocked["ip"], unlocked["device"]) == (None, "Unknown device")
    assert signed_in_now == {
        "event": "sign_in",
        "description": "Signed in",
        "actor": "self",
        "at": signed_in_now["at"],
        "ip": "198.51.100.7",
        "device": "Firefox on Linux",
    }
    page = laptop.client.get("/user").get_data(as_text=True)
    for e in events:
        assert e["description"] in page


def test_activity_shows_the_last_ten_newest_first(alice, device, clock):
    laptop = device()
    for _ in range(12):
        clock.advance(seconds=1)
        laptop.login()
    events = laptop.get("/activity").get_json()["events"]
    assert len(events) == audit.RECENT == 10
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times, reverse=True)
    assert times[0] == clock.at


# Deleting the account.


def delete(api: ApiClient, password: str = PASSWORD):
    return api.post("/account/delete", {"password": password})


def test_deleting_the_account_removes_it_and_clears_the_cookies(alice, device, db):
    laptop, phone = device(remember=True), device(agent=IPHONE)
    response = delete(laptop)
    assert response.status_code == 204
    cleared = {c.split("=")[0] for c in response.headers.getlist("Set-Cookie") if "=;" in c}
    assert cleared == {"session", "remember_token"}
    assert laptop.client.get_cookie("session") is None
    assert laptop.client.get_cookie("remember_token") is None
    assert db.users.count_documents({}) == 0
    assert db.sessions.count_documents({}) == 0
    assert db.auth_events.count_documents({}) == 0
    assert not signed_in(laptop) and not signed_in(phone)
    assert phone.login().status_code == 401


@pytest.mark.parametrize(
    ("password", "status", "code"),
    [
        ("", 422, "validation_failed"),
        ("x" * 1025, 422, "validation_failed"),
        ("not-" + PASSWORD, 400, "wrong_password"),
    ],
)
def test_deleting_needs_the_password(alice, device, db, password, status, code):
    laptop = device()
    response = delete(laptop, password)
    assert (response.status_code, error_code(response)) == (status, code)
    if status == 422:
        reason = messages.CONFIRM_WITH_PASSWORD if not password else messages.PASSWORD_TOO_LONG
        assert response.get_json()["error"]["fields"] == {"password": reason}
    assert db.users.count_documents({}) == 1
    assert signed_in(laptop)


def test_guessing_the_password_to_delete_is_throttled(make_app, openapi_schema):
    app = make_app(LOGIN_MAX_FAILURES=2)
    api = ApiClient(app.test_client(), openapi_schema)
    api.register()
    api.login()
    assert [delete(api, "guess").status_code for _ in range(2)] == [400, 400]
    locked = delete(api)
    assert (locked.status_code, error_code(locked)) == (429, "too_many_attempts")
    assert signed_in(api)

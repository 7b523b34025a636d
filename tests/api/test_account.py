"""The account's own operations under /api/v1 (sessions, password, activity, deletion), on
mongomock and on the real server: the same rules, events and words as the account pages."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from flaskr import messages
from flaskr.identity import audit
from flaskr.identity.policy import Policy
from tests.api.conftest import NEW_PASSWORD, SIGNED_IN_CALLS, ApiClient
from tests.conftest import PASSWORD, session_token

pytestmark = pytest.mark.db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def device(app, openapi_schema):
    """`device(agent=, ip=, remember=, username=)`: a new API client, signed in."""

    def sign_in(agent=FIREFOX, ip="198.51.100.7", remember=False, username="alice"):
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
        api = ApiClient(client, openapi_schema)
        response = api.login(username, remember=remember)
        assert response.status_code == 200, response.get_json()
        return api

    return sign_in


@pytest.fixture
def alice(api):
    assert api.register().status_code == 201
    return api


def session_id(app, api: ApiClient) -> str:
    """The id the API gives `api`'s own session: the SHA-256 of its cookie's token."""
    return hashlib.sha256(session_token(app, api.client).encode()).hexdigest()


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def signed_in(api: ApiClient) -> bool:
    return api.me().status_code == 200


# Sessions.


def test_sessions_lists_this_one_first_then_the_others(app, alice, device, db):
    phone = device(agent=IPHONE, ip="203.0.113.5", remember=True)
    laptop = device()
    listed = laptop.get("/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [session_id(app, laptop), session_id(app, phone)]
    this, other = listed
    assert (this["device"], this["ip"], this["remember"], this["current"]) == (
        "Firefox on Linux",
        "198.51.100.7",
        False,
        True,
    )
    assert (other["device"], other["ip"], other["remember"], other["current"]) == (
        "Safari on iPhone",
        "203.0.113.5",
        True,
        False,
    )
    stored = db.sessions.find_one({"_id": other["id"]})
    assert datetime.fromisoformat(other["signed_in_at"]) == stored["created_at"]
    assert datetime.fromisoformat(other["last_seen_at"]) == stored["last_seen_at"]
    # From the phone, the phone is the current one.
    assert [s["current"] for s in phone.get("/sessions").get_json()["sessions"]] == [True, False]


def test_the_api_and_the_account_page_list_the_same_sessions(app, alice, device):
    laptop = device()
    device(agent=IPHONE)
    listed = [s["id"] for s in laptop.get("/sessions").get_json()["sessions"]]
    page = laptop.client.get("/account").get_data(as_text=True)
    assert [page.index(f"/account/sessions/{sid}/revoke") for sid in listed] == sorted(
        page.index(f"/account/sessions/{sid}/revoke") for sid in listed
    )


def test_expired_sessions_are_not_listed(make_app, openapi_schema, clock):
    app = make_app(SESSION_IDLE_MINUTES=30)
    api = ApiClient(app.test_client(), openapi_schema)
    api.register()
    old = ApiClient(app.test_client(), openapi_schema)
    old.login()
    clock.advance(minutes=20)
    api.login()
    clock.advance(minutes=20)
    listed = api.get("/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [session_id(app, api)]


@pytest.mark.parametrize(("method", "path", "body"), SIGNED_IN_CALLS)
def test_each_needs_a_session_and_never_redirects(api, method, path, body):
    response = api.call(method, path, body)
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert error_code(response) == "not_authenticated"


def test_ending_another_session(app, alice, device, db):
    laptop, phone = device(), device(agent=IPHONE, remember=True)
    response = laptop.delete(f"/sessions/{session_id(app, phone)}")
    assert response.status_code == 204
    assert response.data == b""
    # Signed out there, remember-me cookie included; still signed in here.
    phone.client.delete_cookie("session")
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert db.sessions.count_documents({}) == 1
    assert db.auth_events.find_one(sort=[("at", -1), ("_id", -1)])["event"] == "session_revoked"


def test_ending_this_session_signs_this_client_out(app, alice, device):
    laptop = device(remember=True)
    response = laptop.delete(f"/sessions/{session_id(app, laptop)}")
    assert response.status_code == 204
    assert laptop.client.get_cookie("remember_token") is None
    assert not signed_in(laptop)


def test_another_users_or_an_ended_session_is_404_alike(app, alice, device, db):
    assert alice.register("bobby").status_code == 201
    laptop, bobs = device(), device(username="bobby")
    ended = device(agent=IPHONE)
    ended_id = session_id(app, ended)
    assert laptop.delete(f"/sessions/{ended_id}").status_code == 204
    answers = [
        laptop.delete(f"/sessions/{sid}")
        for sid in (session_id(app, bobs), ended_id, "0" * 64, "not-a-session", "$ne")
    ]
    assert {(r.status_code, error_code(r)) for r in answers} == {(404, "session_not_found")}
    assert answers[0].get_json() == answers[1].get_json()
    assert signed_in(bobs) and signed_in(laptop)
    assert db.sessions.count_documents({}) == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("delete", "/sessions/{this}"),
        ("post", "/sessions/revoke-others"),
        ("post", "/password"),
        ("post", "/account/delete"),
    ],
)
def test_every_change_needs_the_csrf_token(app, alice, device, db, method, path):
    laptop, phone = device(), device(agent=IPHONE)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "password": PASSWORD}
    kw = {"json": body} if method == "post" else {}
    for headers in ({}, {"X-CSRFToken": "forged"}):
        path_of = path.format(this=session_id(app, laptop))
        response = getattr(laptop, method)(path_of, csrf=False, headers=headers, **kw)
        assert response.status_code == 400
        assert error_code(response) == "csrf_failed"
    assert signed_in(laptop) and signed_in(phone)
    assert laptop.login(password=PASSWORD).status_code == 200
    assert db.users.count_documents({}) == 1


def test_sign_out_everywhere_else(alice, device, db):
    laptop = device()
    others = [device(agent=IPHONE, remember=True), device(agent="curl/8.5.0")]
    response = laptop.post("/sessions/revoke-others")
    assert response.status_code == 200
    assert response.get_json() == {"ended": 2}
    for other in others:
        other.client.delete_cookie("session")  # the remember-me cookie alone must not do
        assert not signed_in(other)
    assert signed_in(laptop)
    assert laptop.post("/sessions/revoke-others").get_json() == {"ended": 0}
    assert db.auth_events.count_documents({"event": "signed_out_everywhere"}) == 2


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
    assert db.auth_events.count_documents({"event": "sign_in_failed"}) == 0


def test_a_wrong_current_password_is_400_and_changes_nothing(alice, device, db):
    laptop, phone = device(), device(agent=IPHONE)
    response = change(laptop, current=PASSWORD + "x")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"code": "wrong_password", "message": messages.WRONG_CURRENT_PASSWORD}
    }
    assert signed_in(phone)
    assert phone.login(password=PASSWORD).status_code == 200
    assert db.auth_events.count_documents({"event": "sign_in_failed"}) == 1


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
    # The same lockout as sign-in: the account's password cannot be guessed there either.
    assert ApiClient(app.test_client(), openapi_schema).login().status_code == 429


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

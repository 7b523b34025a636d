"""The signed-in user's sessions under /api/v1 (list, end one, end the others), on mongomock and
on the real server: the account page's list and rules, and a session only for its own user."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.api.conftest import (
    IPHONE,
    NEW_PASSWORD,
    SIGNED_IN_CALLS,
    ApiClient,
    error_code,
    session_id,
    signed_in,
)
from tests.support.web import PASSWORD

pytestmark = pytest.mark.db


@pytest.fixture
def alice(api):
    assert api.register().status_code == 201
    return api


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

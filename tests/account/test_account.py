"""The account page: sessions listed and revoked, password change, account deletion."""

from __future__ import annotations

import re

import pytest

from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import (
    IPHONE,
    PASSWORD,
    csrf_token,
    post_login,
    signed_in,
    signed_in_client,
)

NEW_PASSWORD = "amber-lantern-42-glacier"
SESSION_ID = re.compile(r"/account/sessions/([0-9a-f]{64})/revoke")


def session_ids(page: str) -> list[str]:
    return SESSION_ID.findall(page)


def post(client, path: str, **data):
    """Post an account form with the token of the account page, as the browser would."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/account"), **data})


def test_the_account_page_needs_a_signed_in_user(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_account_page_lists_this_and_other_sessions(app, alice):
    laptop = signed_in_client(app)
    signed_in_client(app, ip="203.0.113.5", agent=IPHONE)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Firefox on Linux" in page
    assert "Safari on iPhone" in page
    assert "198.51.100.7" in page and "203.0.113.5" in page
    assert page.count('<strong class="tag">this device</strong>') == 1
    assert len(session_ids(page)) == 2


@pytest.mark.db
def test_changing_the_password_signs_out_other_devices_only(app, alice):
    laptop = signed_in_client(app)
    phone = signed_in_client(app, agent=IPHONE, remember="y")
    response = post(
        laptop, "/account/password", current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    assert response.status_code == 302
    assert "1 other session signed out" in laptop.get("/account").get_data(as_text=True)
    assert signed_in(laptop)
    # The phone is signed out, its remember-me cookie included.
    phone.delete_cookie("session")
    assert not signed_in(phone)
    fresh = app.test_client()
    assert post_login(fresh, "alice", PASSWORD).status_code == 401
    assert post_login(fresh, "alice", NEW_PASSWORD).status_code == 302


@pytest.mark.db
def test_a_wrong_current_password_changes_nothing(app, alice):
    laptop, phone = signed_in_client(app), signed_in_client(app, agent=IPHONE)
    response = post(
        laptop, "/account/password", current_password="not-it-at-all", new_password=NEW_PASSWORD
    )
    assert response.status_code == 400
    assert "That is not your current password." in response.get_data(as_text=True)
    assert signed_in(phone)
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302


def test_a_wrong_confirmation_is_recorded_as_what_it_is(app, alice, db):
    laptop = signed_in_client(app)
    post(laptop, "/account/delete", password="not-it-at-all")
    events = [e["event"] for e in db.auth_events.find()]
    assert "password_confirmation_failed" in events
    assert "sign_in_failed" not in events
    page = laptop.get("/user").get_data(as_text=True)
    assert "Wrong password when confirming a change" in page
    assert "Failed sign-in" not in page


def test_a_weak_new_password_is_refused_with_feedback(app, alice):
    laptop = signed_in_client(app)
    response = post(laptop, "/account/password", current_password=PASSWORD, new_password="alice123")
    assert response.status_code == 400
    assert "Password must not contain your username." in response.get_data(as_text=True)
    response = post(laptop, "/account/password", current_password=PASSWORD, new_password="password")
    assert "This is a top-10 common password." in response.get_data(as_text=True)
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302


def test_guessing_the_current_password_is_throttled(app, alice):
    laptop = signed_in_client(app)
    for _ in range(5):
        wrong = post(
            laptop, "/account/password", current_password="guess", new_password=NEW_PASSWORD
        )
        assert wrong.status_code == 400
    locked = post(laptop, "/account/password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in locked.get_data(as_text=True)
    # The guesses came from a browser the account knows: that browser's own budget is spent
    # (a sign-in from it is refused too), not the account's (tests/auth/test_device_budget.py).
    assert post_login(laptop, "alice", NEW_PASSWORD).status_code == 429


@pytest.mark.db
def test_sign_out_everywhere_else(app, alice):
    laptop, phone, tablet = (signed_in_client(app, agent=a) for a in ("A", "B", "C"))
    response = post(laptop, "/account/sessions/revoke")
    assert response.headers["Location"] == "/account"
    assert "Signed out 2 other sessions." in laptop.get("/account").get_data(as_text=True)
    assert signed_in(laptop)
    assert not signed_in(phone) and not signed_in(tablet)


@pytest.mark.db
def test_revoking_one_session(app, alice):
    laptop, phone = signed_in_client(app), signed_in_client(app, agent=IPHONE)
    listed = session_ids(laptop.get("/account").get_data(as_text=True))
    (phone_id,) = set(listed) - {_this(laptop)}
    assert phone_id == _this(phone)
    assert post(laptop, f"/account/sessions/{phone_id}/revoke").status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop)
    # Already ended: not found.
    assert post(laptop, f"/account/sessions/{phone_id}/revoke").status_code == 404


@pytest.mark.db
def test_someone_elses_session_cannot_be_revoked(app, alice):
    add_user(app, "bob")
    laptop, bobs = signed_in_client(app), signed_in_client(app, "bob")
    assert post(laptop, f"/account/sessions/{_this(bobs)}/revoke").status_code == 404
    assert post(laptop, "/account/sessions/not-a-session/revoke").status_code == 404
    assert signed_in(bobs)


def test_revoking_this_session_signs_out_here(app, alice):
    laptop = signed_in_client(app)
    response = post(laptop, f"/account/sessions/{_this(laptop)}/revoke")
    assert response.headers["Location"] == "/auth/login"
    assert not signed_in(laptop)


@pytest.mark.parametrize(
    "path", ["/account/password", "/account/sessions/revoke", "/account/delete"]
)
def test_account_forms_need_the_csrf_token(app, alice, db, path):
    laptop = signed_in_client(app)
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "password": PASSWORD}
    response = laptop.post(path, data=data, headers={"Referer": "http://localhost/account"})
    assert (response.status_code, response.headers["Location"]) == (303, "/account")
    assert "This form has expired. Please try again." in laptop.get("/account").text
    assert signed_in(laptop)
    assert db.users.count_documents({}) == 1


@pytest.mark.db
def test_deleting_the_account_removes_user_sessions_and_events(app, alice, db):
    laptop, phone = signed_in_client(app), signed_in_client(app, agent=IPHONE)
    assert db.auth_events.count_documents({"user_id": alice["_id"]}) == 2
    wrong = post(laptop, "/account/delete", password="not-my-password")
    assert wrong.status_code == 400
    assert db.users.count_documents({}) == 1
    response = post(laptop, "/account/delete", password=PASSWORD)
    assert response.headers["Location"] == "/"
    page = laptop.get("/").get_data(as_text=True)
    assert "Your account and everything stored about it have been deleted." in page
    assert db.users.count_documents({}) == 0
    assert db.sessions.count_documents({}) == 0
    assert db.auth_events.count_documents({}) == 0
    assert not signed_in(laptop) and not signed_in(phone)
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 401


def _this(client) -> str:
    """The id of `client`'s own session: the row the account page marks "this device"."""
    for row in client.get("/account").get_data(as_text=True).split("<tr>"):
        if "this device" in row:
            return SESSION_ID.search(row).group(1)
    raise AssertionError("no session is marked as this device")


def test_deleting_needs_the_password(app, alice, db):
    laptop = signed_in_client(app)
    response = post(laptop, "/account/delete", password="")
    assert response.status_code == 400
    assert "Enter your password to confirm." in response.get_data(as_text=True)
    assert db.users.count_documents({}) == 1


def test_guessing_the_password_to_delete_is_throttled(make_app):
    app = make_app(LOGIN_MAX_FAILURES=2)
    add_user(app)
    laptop = signed_in_client(app)
    assert [post(laptop, "/account/delete", password="guess").status_code for _ in range(2)] == [
        400,
        400,
    ]
    locked = post(laptop, "/account/delete", password=PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.get_data(as_text=True)
    assert db_of(app).users.count_documents({}) == 1


def test_the_account_page_has_unique_element_ids(app, alice):
    signed_in_client(app, agent=IPHONE)
    page = signed_in_client(app).get("/account").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_password_forms_name_the_account_for_password_managers(app, alice):
    laptop = signed_in_client(app)
    page = laptop.get("/account").get_data(as_text=True)
    # One before each current-password field (the change and the deletion), none elsewhere;
    # with an id, or Chromium reports a field it cannot name.
    hidden = re.findall(
        r'<input type="text" id="([\w-]+)" autocomplete="username" value="alice" hidden>', page
    )
    assert hidden == ["current_password-username", "password-username"]
    assert page.count('autocomplete="current-password"') == 2


def test_sessions_are_signed_out_with_one_verb(app, alice):
    laptop = signed_in_client(app)
    signed_in_client(app, agent=IPHONE)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Revoke" not in page
    assert '>Sign out<span class="visually-hidden"> this device</span>' in page
    assert '>Sign out<span class="visually-hidden"> Safari on iPhone, 198.51.100.7</span>' in page

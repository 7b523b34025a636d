"""Sign-in and sign-out: one message for every failure, safe `next`, cookie attributes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from flaskr.messages import INCORRECT_LOGIN
from tests.support.users import add_user
from tests.support.web import PASSWORD, AuthActions, csrf_token, page_text

MESSAGE = (
    "Your login details are incorrect; please check the combination of your username and password."
)


def test_message_is_the_contract():
    assert str(INCORRECT_LOGIN) == MESSAGE


def test_login_page(client):
    page = page_text(client.get("/auth/login"))
    # "webauthn": passkeys are offered in the username field's autofill too.
    assert 'autocomplete="username webauthn"' in page
    assert 'autocomplete="current-password"' in page
    assert 'type="checkbox"' in page
    assert 'name="remember"' in page


def _comparable(response, username):
    """The body without what legitimately differs: the CSRF token and the typed name."""
    body = response.get_data(as_text=True)
    # The form's token and the language switch's (in the footer).
    body = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", body)
    body = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", body)
    return body.replace(f'value="{username}"', 'value="NAME"')


@pytest.mark.db
def test_unknown_user_and_wrong_password_look_the_same(app, auth):
    auth.register("alice")
    browser = AuthActions(app.test_client())
    wrong = browser.login("alice", PASSWORD + "x")
    unknown = AuthActions(app.test_client()).login("alicf", PASSWORD)
    invalid = AuthActions(app.test_client()).login("a!", PASSWORD)
    assert wrong.status_code == unknown.status_code == invalid.status_code == 401
    assert MESSAGE in page_text(wrong)
    assert _comparable(wrong, "alice") == _comparable(unknown, "alicf")
    assert _comparable(wrong, "alice") == _comparable(invalid, "a!")
    assert browser.client.get("/user").status_code == 302


@pytest.mark.db
def test_login_success(app, client, auth, db):
    add_user(app, "Alice")
    response = auth.login("alice")  # any case signs in
    assert response.status_code == 302
    assert response.headers["Location"] == "/user"
    assert "Alice" in page_text(client.get("/user"))
    user = db.users.find_one({"username_key": "alice"})
    assert abs(user["last_login_at"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert user["previous_login_at"] is None


def test_login_form_errors_are_400(auth):
    response = auth.login("", "")
    assert response.status_code == 400
    page = page_text(response)
    assert "Enter your username." in page
    assert "Enter your password." in page


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "https://evil.example",
        "http://evil.example/user",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        " //evil.example",
        "/\tevil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines: this would become //evil
        "/\n/evil.example",
        "/\r/evil.example",
        "/\x00evil",
        "",
    ],
)
def test_unsafe_next_goes_to_user_page(auth, target):
    auth.register()
    response = auth.login(next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/user"


@pytest.mark.parametrize("target", ["/user?x=1", "/", "/user", "/auth/register?a=b&c=d"])
def test_local_next_is_followed(auth, target):
    auth.register()
    response = auth.login(next=target)
    assert response.headers["Location"] == target


def test_next_is_ignored_on_failure(auth):
    auth.register()
    response = auth.login(password="wrong-password", next="/user?x=1")
    assert response.status_code == 401
    assert "Location" not in response.headers


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_session_cookie_attributes(auth):
    auth.register()
    cookies = _set_cookies(auth.login())
    session = cookies["session"]
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    assert "Secure" not in session
    assert "remember_token" not in cookies


def test_remember_me_cookie_attributes(auth):
    auth.register()
    cookies = _set_cookies(auth.login(remember=True))
    remember = cookies["remember_token"]
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    assert "Path=/" in remember
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(hours=1)


def test_secure_cookies_for_tls(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    auth = AuthActions(client)
    auth.register()
    cookies = _set_cookies(auth.login(remember=True))
    assert "Secure" in cookies["session"]
    assert "Secure" in cookies["remember_token"]


def test_previous_sign_in_is_recorded(auth, db):
    auth.register()
    auth.login()
    first = db.users.find_one()["last_login_at"]
    auth.logout()
    auth.login()
    user = db.users.find_one()
    assert user["previous_login_at"] == first
    assert user["last_login_at"] >= first


@pytest.mark.realdb
@pytest.mark.parametrize("password", [PASSWORD, PASSWORD + "x"])
def test_a_sign_in_looks_the_user_up_once(command_log, auth, password):
    """Right or wrong, one find on users: the failed attempt's audit event reuses it."""
    auth.register()
    del command_log.seen[:]
    auth.login(password=password)
    assert [c for c in command_log.seen if c[:2] == ("find", "users")] == [("find", "users", {})]


def test_logout_get_is_405(client, auth):
    auth.register()
    auth.login()
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get("/user").status_code == 200


def test_logout(client, auth):
    auth.register()
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You have signed out." in page_text(client.get("/"))


def test_logout_when_signed_out(client):
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You have signed out." not in page_text(client.get("/"))


def test_signing_in_says_so(client, auth, alice):
    auth.login()
    assert "Signed in as alice." in page_text(client.get("/user"))


def test_the_cursor_starts_in_the_username_field(client):
    field = re.search(r"<input[^>]*name=\"username\"[^>]*>", page_text(client.get("/auth/login")))
    assert "autofocus" in field.group(0)

"""Bad input: a clear message and a 4xx, never a 500, never a database write."""

from __future__ import annotations

import pytest
from flask_login import encode_cookie

from tests.support.web import PASSWORD, csrf_token, page_text

FORMS = ["/auth/register", "/auth/login"]


@pytest.fixture
def post_raw(client):
    """POST a hand-made urlencoded body to a form, with a valid CSRF token."""

    def post(path: str, body: bytes, content_type="application/x-www-form-urlencoded"):
        token = csrf_token(client, path).encode()
        return client.post(
            path, data=b"csrf_token=" + token + b"&" + body, content_type=content_type
        )

    return post


@pytest.fixture
def nothing_written(db):
    yield
    assert db.users.count_documents({}) == 0
    assert db.sessions.count_documents({}) == 0


@pytest.mark.parametrize("path", FORMS)
@pytest.mark.parametrize(
    "data",
    [{}, {"username": "alice"}, {"password": PASSWORD}, {"username": "", "password": ""}],
)
def test_missing_fields(client, nothing_written, path, data):
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 400
    page = page_text(response)
    assert "Choose a" in page or "Enter your" in page


@pytest.mark.parametrize("path", FORMS)
def test_ten_thousand_character_username(client, nothing_written, path):
    data = {"username": "u" * 10_000, "password": PASSWORD, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "too long" in page_text(response) or "3 to 32 characters" in page_text(response)


def test_long_password_at_login_is_refused_before_hashing(client, auth):
    auth.register()
    response = auth.login(password="p" * 2000)
    assert response.status_code == 400
    assert "That password is too long." in page_text(response)


@pytest.mark.parametrize(
    "username",
    ["ali\x00ce", "ali\x07ce", "alice\x1b[31m", "ali\u200bce", "ali\rce", "\x7falice", "ali\tce"],
)
def test_control_characters_in_username(auth, nothing_written, username):
    response = auth.register(username)
    assert response.status_code == 400
    assert "Username may contain only letters" in page_text(response)
    response = auth.login(username)
    assert response.status_code == 401


def test_nul_in_password_at_login_is_just_wrong(auth, alice, db):
    assert auth.login(password=PASSWORD + "\x00").status_code == 401
    assert db.sessions.count_documents({}) == 0


@pytest.mark.parametrize(
    "body, message",
    [
        (b"username=al%FFice&password=" + PASSWORD.encode(), "Username may contain only"),
        (b"username=al\xff\xfeice&password=" + PASSWORD.encode(), "Username may contain only"),
        (b"username=alice&password=pass%C3%28word-1", "could not be read"),
        (b"username=alice&password=pass\xc3\x28word-1", "could not be read"),
    ],
)
def test_invalid_utf8_in_register(post_raw, nothing_written, body, message):
    response = post_raw("/auth/register", body)
    assert response.status_code == 400
    assert message in page_text(response)


def test_invalid_utf8_in_login(post_raw, alice, db):
    response = post_raw("/auth/login", b"username=alice&password=" + PASSWORD.encode() + b"%FF")
    assert response.status_code == 401
    response = post_raw("/auth/login", b"username=ali%FFce&password=" + PASSWORD.encode())
    assert response.status_code == 401
    assert db.sessions.count_documents({}) == 0


def test_invalid_utf8_in_next_and_path(auth, client):
    auth.register()
    response = client.post(
        "/auth/login?next=%FF%2F",
        data={"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/user"
    assert client.get("/%FF%FE").status_code == 404


@pytest.mark.parametrize("path", FORMS)
def test_repeated_fields_are_refused(post_raw, nothing_written, path):
    body = b"username=alice&username=bob&password=" + PASSWORD.encode()
    response = post_raw(path, body)
    assert 400 <= response.status_code < 500
    assert "Send each field once." in page_text(response)


@pytest.mark.parametrize("path", FORMS)
def test_json_body_with_operators(client, nothing_written, path):
    """A form page reads form bodies only: a JSON object is refused before any field is read."""
    token = csrf_token(client, path)
    response = client.post(
        path,
        json={"username": {"$ne": ""}, "password": {"$gt": ""}},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 415
    assert "This page accepts form submissions only." in page_text(response)


@pytest.mark.parametrize("path", FORMS)
def test_operator_lookalike_strings(auth, nothing_written, path):
    assert auth.register("$ne").status_code == 400
    assert auth.login('{"$ne": null}').status_code == 401


def test_multipart_form_with_a_file(client, nothing_written):
    import io

    token = csrf_token(client, "/auth/register")
    data = {"username": (io.BytesIO(b"alice"), "name.txt"), "password": PASSWORD}
    response = client.post(
        "/auth/register", data={**data, "csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "This field must be text." in page_text(response)


@pytest.mark.parametrize(
    "cookie, value",
    [
        ("session", "garbage"),
        ("session", "eyJfdXNlcl9pZCI6ImFiYyJ9.AAAAAA.invalid-signature"),
        ("remember_token", "garbage"),
        ("remember_token", "token|not-the-digest"),
        ("remember_token", "|"),
        ("remember_token", "\u00e9\u00e9"),
    ],
)
def test_bad_cookies_mean_signed_out(client, cookie, value):
    client.set_cookie(cookie, value)
    assert client.get("/").status_code == 200
    response = client.get("/user")
    assert response.status_code == 302


def test_signed_remember_cookie_with_unknown_token(app, client):
    with app.test_request_context():
        value = encode_cookie("no-such-token-" + "x" * 30)
    client.set_cookie("remember_token", value)
    assert client.get("/user").status_code == 302


@pytest.mark.parametrize("user_id", [{"$ne": None}, ["a", "b"], 42, None, ""])
def test_session_holding_a_non_token(client, auth, db, user_id):
    """Even a forged session (it would need the secret key) cannot inject a query."""
    auth.register()
    auth.login()
    with client.session_transaction() as s:
        s["_user_id"] = user_id
    assert client.get("/user").status_code == 302
    assert client.get("/").status_code == 200

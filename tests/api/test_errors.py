"""Every error under /api/ is JSON with a stable code; none is a 500 or a redirect."""

from __future__ import annotations

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from flaskr import messages
from flaskr.identity import sessions, throttle, users
from flaskr_dev import embedded
from tests.api.conftest import SIGNED_IN_CALLS
from tests.support.web import PASSWORD


def post_json(client, path: str, body: dict):
    """POST `body` to the API with a fresh CSRF token, as a new client would."""
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    return client.post(path, json=body, headers={"X-CSRFToken": token})


def error_of(response) -> dict:
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/me", "/api/", "/api/v1/me/"])
def test_unknown_api_paths_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "There is no such API endpoint."}


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("get", "/api/v1/login", "POST"),
        ("get", "/api/v1/logout", "POST"),
        ("delete", "/api/v1/me", "GET"),
        ("put", "/api/v1/register", "POST"),
        ("post", "/api/v1/openapi.json", "GET"),
        ("get", "/api/v1/password", "POST"),
        ("get", "/api/v1/account/delete", "POST"),
        ("put", "/api/v1/sessions/" + "0" * 64, "DELETE"),
        ("delete", "/api/v1/sessions", "GET"),
    ],
)
def test_wrong_method_is_405_json_with_allow(client, method, path, allow):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert allow in response.headers["Allow"]


def test_a_body_over_the_limit_is_413_json(make_app, db_calls):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = post_json(client, "/api/v1/register", {"username": "alice", "password": "x" * 2000})
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert db_calls == []


@pytest.mark.db
def test_me_signed_out_is_401_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response) == {"code": "not_authenticated", "message": "You are not signed in."}


def test_html_pages_still_redirect_to_sign_in(client):
    response = client.get("/user")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.db
def test_a_throttled_sign_in_is_429_with_retry_after(api, monkeypatch, db):
    api.register()

    def throttled(*args, **kwargs):
        raise throttle.Throttled(12.2)

    monkeypatch.setattr(throttle, "check", throttled)
    response = api.login()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "13"
    assert error_of(response)["code"] == "too_many_attempts"
    # The same sentence as the sign-in form's.
    assert error_of(response)["message"] == messages.too_many_attempts(13)
    assert db.sessions.count_documents({}) == 0
    assert api.me().status_code == 401


def test_a_throttle_of_no_time_still_says_wait_one_second(api, monkeypatch):
    def throttled(*args, **kwargs):
        raise throttle.Throttled(0)

    monkeypatch.setattr(throttle, "check", throttled)
    assert api.login().headers["Retry-After"] == "1"


def test_database_down_is_503_json(make_app):
    app = make_app(MONGO_URI=f"mongodb://127.0.0.1:{embedded.free_port()}/x", MONGO_TIMEOUT_MS=100)
    response = post_json(
        app.test_client(), "/api/v1/register", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 503
    assert error_of(response)["code"] == "service_unavailable"


def test_an_unexpected_failure_is_500_json_without_the_trace(make_app, monkeypatch):
    app = make_app(TESTING=False)

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(users, "create_user", broken)
    response = post_json(
        app.test_client(), "/api/v1/register", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "body"), SIGNED_IN_CALLS)
def test_a_signed_in_call_while_the_database_is_away_is_503_json(
    api, monkeypatch, method, path, body
):
    api.register()
    api.login()

    def away(*args, **kwargs):
        raise ServerSelectionTimeoutError("no server")

    # Loading this client's session is the first thing each of them asks the database.
    monkeypatch.setattr(sessions, "load_session", away)
    response = api.call(method, path, body)
    assert response.status_code == 503
    assert error_of(response)["code"] == "service_unavailable"

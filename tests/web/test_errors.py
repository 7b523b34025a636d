"""Error pages: in the site's layout, never a traceback; 503 when the database is away, also for
a signed-in visitor whose session could not be loaded (without trying the database twice)."""

from __future__ import annotations

import logging

import pytest
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

from flaskr.identity import passwords, sessions
from flaskr_dev.embedded import free_port
from tests.support.web import PASSWORD, AuthActions, csrf_token, page_text

UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."


def assert_in_layout(response, title: str) -> str:
    page = page_text(response)
    assert response.mimetype == "text/html"
    assert '<a class="brand" href="/">flaskr</a>' in page
    assert f"<title>{title} · flaskr</title>" in page
    assert "Traceback" not in page
    return page


def assert_form_expired(client, response, form: str) -> None:
    """A refused page form: 303 back to `form`, which says why (and that nothing was done)."""
    assert response.status_code == 303
    assert response.headers["Location"] == form
    page = page_text(client.get(form))
    assert "This form has expired. Please try again." in page
    assert "<title>Error: " in page


@pytest.mark.db
def test_csrf_missing_or_tampered_changes_nothing(client, db):
    response = client.post("/auth/register", data={"username": "alice", "password": PASSWORD})
    assert_form_expired(client, response, "/auth/register")
    assert db.users.count_documents({}) == 0
    token = csrf_token(client, "/auth/register")
    # The first character, all of whose bits count (a base64 token's last one has spare bits).
    tampered = ("y" if token[0] == "x" else "x") + token[1:]
    data = {"username": "alice", "password": PASSWORD, "csrf_token": tampered}
    assert_form_expired(client, client.post("/auth/register", data=data), "/auth/register")
    assert db.users.count_documents({}) == 0


def test_csrf_invalid_changes_nothing(client, alice, db):
    data = {"username": "alice", "password": PASSWORD, "csrf_token": "not-a-token"}
    response = client.post("/auth/login?next=%2Faccount", data=data)
    assert_form_expired(client, response, "/auth/login?next=%2Faccount")
    assert db.sessions.count_documents({}) == 0
    assert db.users.find_one()["last_login_at"] is None
    assert client.get("/user").status_code == 302


def test_csrf_from_another_session_is_refused(app, client, db):
    other = app.test_client()
    token = csrf_token(other, "/auth/register")
    data = {"username": "alice", "password": PASSWORD, "csrf_token": token}
    assert client.post("/auth/register", data=data).status_code == 303
    assert db.users.count_documents({}) == 0


def test_logout_without_csrf_keeps_the_session(client, auth, db):
    auth.register()
    response = client.post("/auth/logout", headers={"Referer": "http://localhost/account"})
    # A form that has no page of its own sends the browser back to the page it came from.
    assert_form_expired(client, response, "/account")
    assert client.get("/user").status_code == 200
    assert db.sessions.count_documents({}) == 1


@pytest.mark.parametrize(
    ("path", "referer", "back_to"),
    [
        ("/auth/register?x=1", "https://evil.example/", "/auth/register?x=1"),
        ("/auth/logout", "https://evil.example/account", "/"),
        ("/auth/logout", "http://localhost//evil.example/x", "/"),
        ("/auth/logout", "not a url", "/"),
        ("/auth/logout", "http://localhost/user?from=here", "/user?from=here"),
    ],
)
def test_an_expired_form_leads_back_to_this_site_only(client, path, referer, back_to):
    headers = {"Referer": referer} if referer else {}
    response = client.post(path, data={"username": "alice"}, headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == back_to


def test_an_expired_api_call_is_still_400_json(client):
    response = client.post("/api/v1/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = assert_in_layout(response, "Page not found")
    assert "That page does not exist." in page
    # A way on: sign in, or the start page.
    assert 'href="/auth/login">Sign in</a>' in page
    assert 'href="/">Go to the start page</a>' in page


def test_404_shows_who_is_signed_in(client, auth):
    auth.register()
    auth.login()
    page = assert_in_layout(client.get("/nope"), "Page not found")
    assert 'href="/user">alice</a>' in page
    assert 'href="/user">Go to your account</a>' in page


def test_405(client):
    response = client.delete("/user")
    assert response.status_code == 405
    page = assert_in_layout(response, "Error: Not possible on this page")
    assert "That page cannot be opened this way." in page
    page = assert_in_layout(client.get("/auth/logout"), "Not possible on this page")
    assert "Use the site's own links and buttons." in page
    assert "GET" in response.headers["Allow"]
    assert client.put("/auth/login").status_code == 405


@pytest.mark.parametrize("size", [64 * 1024, 10_000_000])
@pytest.mark.parametrize("path", ["/auth/register", "/auth/login"])
def test_413(client, db, path, size):
    data = {"username": "alice", "password": "x" * size, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data)
    assert response.status_code == 413
    page = assert_in_layout(response, "Error: Too much sent")
    assert "What you sent is too large for this site." in page
    # The message takes focus, as an error summary would.
    assert 'id="error-summary" tabindex="-1" autofocus' in page
    assert db.users.count_documents({}) == 0
    assert db.sessions.count_documents({}) == 0


def test_413_follows_config(make_app):
    app = make_app(MAX_CONTENT_LENGTH=512)
    client = app.test_client()
    data = {"username": "alice", "password": "x" * 600, "csrf_token": csrf_token(client)}
    assert client.post("/auth/login", data=data).status_code == 413


@pytest.fixture
def failing_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/api/test-only/boom")
    def api_boom():
        raise RuntimeError("secret internals: password=hunter2")

    return app


def test_500_page_has_no_traceback(failing_app, caplog):
    response = failing_app.test_client().get("/test-only/boom")
    assert response.status_code == 500
    page = assert_in_layout(response, "Something went wrong")
    assert "Sorry, something went wrong on our side." in page
    assert "secret internals" not in page
    assert "RuntimeError" not in page
    # The traceback goes to the log, for the operator.
    assert any(r.exc_info and r.levelno == logging.ERROR for r in caplog.records)


def test_api_errors_are_json(failing_app):
    client = failing_app.test_client()
    response = client.get("/api/test-only/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.fixture
def down_app(make_app):
    """An app whose database address has nothing listening."""
    return make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/flaskr", MONGO_TIMEOUT_MS=300)


def test_503_when_the_database_is_unreachable(down_app, monkeypatch, caplog):
    checks = []
    monkeypatch.setattr(passwords, "check_password", lambda *a, **k: checks.append(1))
    monkeypatch.setattr(passwords, "burn_check", lambda *a, **k: checks.append(1))
    client = down_app.test_client()
    auth = AuthActions(client)
    # Pages that need no data still work.
    assert client.get("/").status_code == 200
    for response in (auth.register(), auth.login()):
        assert response.status_code == 503
        page = assert_in_layout(response, "Error: Temporarily unavailable")
        assert UNAVAILABLE in page
    # Protection fails closed: the throttle could not reserve an attempt, so no password
    # was checked.
    assert checks == []
    unreachable = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(unreachable) == 1  # logged once per outage, not per request
    assert unreachable[0].levelno == logging.ERROR


@pytest.fixture
def signed_in_failing(make_app, monkeypatch):
    """A signed-in client, on an app that turns exceptions into error pages as in production,
    and `fail(error)`: from then on loading a session raises `error`; it returns the calls."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    auth = AuthActions(app.test_client())
    auth.register()
    auth.login()

    def fail(error):
        calls = []

        def load_session(*args, **kwargs):
            calls.append(args)
            raise error

        monkeypatch.setattr(sessions, "load_session", load_session)
        return calls

    return auth.client, fail


def test_outage_tries_the_database_once_per_request(signed_in_failing):
    """A signed-in page during an outage answers after one timeout, not two."""
    client, fail = signed_in_failing
    calls = fail(ServerSelectionTimeoutError("127.0.0.1:1: refused"))
    response = client.get("/user")
    assert response.status_code == 503
    assert UNAVAILABLE in assert_in_layout(response, "Temporarily unavailable")
    # One wait for the database, not one more while the error page renders.
    assert len(calls) == 1


def test_database_error_loading_the_user_gives_the_500_page(signed_in_failing):
    client, fail = signed_in_failing
    fail(OperationFailure("the server said boom", code=2))
    response = client.get("/user")
    assert response.status_code == 500
    page = assert_in_layout(response, "Something went wrong")
    assert "Sorry, something went wrong on our side." in page
    assert "boom" not in page

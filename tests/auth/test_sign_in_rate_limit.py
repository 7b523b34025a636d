"""Password checks are limited per client address, right passwords too (issue 18, point 2):
one client cannot own the CPU by signing in successfully over and over."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.config import DEFAULTS
from tests.support.users import add_user
from tests.support.web import PASSWORD, page_text, post_login

ME, NEIGHBOUR = "198.51.100.7", "203.0.113.50"


def test_the_default_is_sixty_a_minute():
    assert DEFAULTS["SIGN_IN_RATE_LIMIT"] == "60 per minute"


@pytest.mark.db
def test_successful_sign_ins_count_and_then_get_429_with_retry_after(make_app, db):
    app = make_app(SIGN_IN_RATE_LIMIT="3 per minute")
    add_user(app)
    for _ in range(3):
        assert post_login(app.test_client(), "alice", PASSWORD, ip=ME).status_code == 302
    refused = post_login(app.test_client(), "alice", PASSWORD, ip=ME)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert messages.TOO_MANY_SIGN_INS in page_text(refused)
    # Refused before the password check: no fourth session.
    with app.app_context():
        from flaskr.db import get_db

        assert get_db().sessions.count_documents({}) == 3
    # Another address has its own budget.
    assert post_login(app.test_client(), "alice", PASSWORD, ip=NEIGHBOUR).status_code == 302


def test_the_api_and_the_form_share_one_budget(make_app):
    app = make_app(SIGN_IN_RATE_LIMIT="2 per minute")
    add_user(app)
    assert post_login(app.test_client(), "alice", PASSWORD, ip=ME).status_code == 302
    api = app.test_client()
    api.environ_base["REMOTE_ADDR"] = ME
    token = api.get("/api/v1/csrf").get_json()["csrf_token"]
    body = {"username": "alice", "password": PASSWORD}
    assert api.post("/api/v1/login", json=body, headers={"X-CSRFToken": token}).status_code == 200
    api = app.test_client()
    api.environ_base["REMOTE_ADDR"] = ME
    token = api.get("/api/v1/csrf").get_json()["csrf_token"]
    refused = api.post("/api/v1/login", json=body, headers={"X-CSRFToken": token})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"] == {
        "code": "too_many_requests",
        "message": messages.TOO_MANY_SIGN_INS,
    }


def test_wrong_passwords_count_too(make_app):
    app = make_app(SIGN_IN_RATE_LIMIT="2 per minute", LOGIN_MAX_FAILURES=100)
    add_user(app)
    for _ in range(2):
        assert post_login(app.test_client(), "alice", "wrong-guess", ip=ME).status_code == 401
    assert post_login(app.test_client(), "alice", PASSWORD, ip=ME).status_code == 429


def test_password_confirmations_on_the_account_page_count(make_app):
    app = make_app(SIGN_IN_RATE_LIMIT="1 per minute")
    add_user(app)
    browser = app.test_client()
    assert post_login(browser, "alice", PASSWORD, ip=ME).status_code == 302
    from tests.support.web import csrf_token

    form = {"password": PASSWORD, "csrf_token": csrf_token(browser, "/account")}
    response = browser.post("/account/delete", data=form, environ_base={"REMOTE_ADDR": ME})
    assert response.status_code == 429
    assert browser.get("/user").status_code == 200  # nothing was deleted


def test_an_attempt_refused_by_the_lockout_is_not_counted(make_app):
    """The lockout refuses first (one read); only attempts that reach bcrypt are counted."""
    app = make_app(SIGN_IN_RATE_LIMIT="7 per minute", LOGIN_MAX_FAILURES=5)
    add_user(app)
    add_user(app, "bob")
    for _ in range(5):
        post_login(app.test_client(), "alice", "wrong-guess", ip=ME)
    for _ in range(10):
        assert post_login(app.test_client(), "alice", "wrong-guess", ip=ME).status_code == 429
    assert post_login(app.test_client(), "bob", PASSWORD, ip=ME).status_code == 302

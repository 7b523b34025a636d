"""Sensitive changes need the password given within REAUTH_MINUTES; /auth/reauthenticate asks."""

from __future__ import annotations

import pytest

from flaskr import messages
from tests.support.web import AuthActions, csrf_token, page_text


def test_a_fresh_sign_in_counts(client, alice, pages):
    assert pages.post("/account/two-factor/totp").status_code == 303


@pytest.mark.db
def test_after_ten_minutes_the_password_is_asked_again(client, alice, pages, clock, db):
    clock.advance(minutes=10)
    response = pages.post("/account/two-factor/totp")
    assert response.headers["Location"] == "/auth/reauthenticate?next=/account/two-factor"
    assert "totp_pending" not in db.users.find_one()
    # A page of the setup comes back to itself.
    page = client.get("/account/two-factor/totp")
    assert page.headers["Location"] == "/auth/reauthenticate?next=/account/two-factor/totp"


def test_just_under_the_limit_is_still_fresh(make_app, clock):
    app = make_app(REAUTH_MINUTES=2)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    auth.login()
    from .helpers import TwoFactorPages

    clock.advance(minutes=1, seconds=59)
    assert TwoFactorPages(client).post("/account/two-factor/totp").status_code == 303
    clock.advance(seconds=1)
    assert TwoFactorPages(client).post("/account/two-factor/totp").status_code == 302


@pytest.mark.db
def test_the_password_again_allows_changes_for_ten_minutes(client, alice, pages, clock, db):
    clock.advance(minutes=30)
    page = client.get("/auth/reauthenticate?next=/account/two-factor")
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page_text(page)
    response = pages.reauthenticate(next="/account/two-factor")
    assert response.headers["Location"] == "/account/two-factor"
    assert messages.reauthenticated(10) in page_text(client.get("/account/two-factor"))
    assert db.sessions.find_one()["authenticated_at"] == clock.at
    assert db.auth_events.find_one({"event": "reauthenticated"})["actor"] == "self"
    assert pages.post("/account/two-factor/totp").status_code == 303
    clock.advance(minutes=10)
    assert pages.post("/account/two-factor/totp").status_code == 302


def test_a_wrong_password_changes_nothing(client, alice, pages, clock, db):
    clock.advance(minutes=30)
    response = pages.reauthenticate("not my password")
    assert response.status_code == 400
    assert messages.WRONG_CURRENT_PASSWORD in page_text(response)
    assert db.sessions.find_one()["authenticated_at"] < clock.at
    assert pages.post("/account/two-factor/totp").status_code == 302


def test_it_goes_back_only_to_a_page_of_this_site(client, alice, pages, clock):
    clock.advance(minutes=30)
    assert pages.reauthenticate(next="//evil.example/").headers["Location"] == "/account"


@pytest.mark.db
def test_wrong_passwords_are_throttled_like_sign_ins(app, client, alice, pages, clock):
    clock.advance(minutes=30)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert pages.reauthenticate("not my password").status_code == 400
    locked = pages.reauthenticate()
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in page_text(locked)
    # The same counter as signing in from this browser: a stolen session cannot guess the
    # password. (A browser the account knows spends its own budget: tests/auth/
    # test_device_budget.py.)
    assert AuthActions(client).login().status_code == 429


def test_it_is_for_signed_in_users(client):
    response = client.get("/auth/reauthenticate")
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.db
def test_it_is_kept_on_the_server_for_this_session_only(app, client, alice, pages, clock, db):
    other = app.test_client()
    AuthActions(other).login()
    clock.advance(minutes=30)
    pages.reauthenticate()
    from .helpers import TwoFactorPages

    assert TwoFactorPages(other).post("/account/two-factor/totp").status_code == 302
    assert pages.post("/account/two-factor/totp").status_code == 303


def test_the_form_needs_its_csrf_token(client, alice, clock, db):
    clock.advance(minutes=30)
    token = csrf_token(client, "/auth/reauthenticate")
    assert token
    response = client.post("/auth/reauthenticate", data={"password": "x"})
    # Sent back to the form, which says it expired.
    assert (response.status_code, response.headers["Location"]) == (303, "/auth/reauthenticate")

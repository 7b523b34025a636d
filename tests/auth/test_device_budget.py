"""The owner is never locked out by someone else's guesses (issue 18, point 1): a browser that
has signed in to the account before (its signed device cookie) has a failure budget of its
own, and still signs in while the account is locked for everyone else (OWASP "Slow Down
Online Guessing Attacks with Device Cookies")."""

from __future__ import annotations

import pytest

from flaskr.identity import signals
from flaskr.web import devices
from tests.support.users import add_user
from tests.support.web import PASSWORD, post_login

WRONG = "wrong-guess-123"
ATTACKER = "203.0.113.66"


def _owners_browser(app):
    """A browser that has signed in once as alice (and so carries a device cookie), then
    signed out."""
    browser = app.test_client()
    assert post_login(browser, "alice", PASSWORD).status_code == 302
    assert browser.get_cookie(devices.COOKIE) is not None
    browser.delete_cookie("session")
    browser.delete_cookie("remember_token")
    return browser


def _lock_for_strangers(app, ip: str = ATTACKER):
    for _ in range(5):
        assert post_login(app.test_client(), "alice", WRONG, ip=ip).status_code == 401
    assert post_login(app.test_client(), "alice", PASSWORD, ip=ip).status_code == 429


@pytest.mark.db
def test_a_known_browser_signs_in_while_the_account_is_locked(app):
    add_user(app)
    owner = _owners_browser(app)
    _lock_for_strangers(app)
    assert post_login(owner, "alice", PASSWORD).status_code == 302
    # ...and the account stays locked for every client it does not know.
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 429


@pytest.mark.db
def test_a_known_browser_signs_in_even_from_the_attackers_address(make_app):
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=5)
    add_user(app)
    owner = _owners_browser(app)
    _lock_for_strangers(app, ip="198.51.100.7")  # the address post_login uses by default
    assert post_login(owner, "alice", PASSWORD).status_code == 302


@pytest.mark.db
def test_a_known_browser_has_its_own_budget(app):
    add_user(app)
    owner = _owners_browser(app)
    other = _owners_browser(app)
    for _ in range(5):
        assert post_login(owner, "alice", WRONG).status_code == 401
    assert post_login(owner, "alice", PASSWORD).status_code == 429
    # The account and the owner's other browser are not locked by it.
    assert post_login(other, "alice", PASSWORD).status_code == 302
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302


def test_a_forged_device_cookie_is_a_stranger(app):
    add_user(app)
    _owners_browser(app)
    _lock_for_strangers(app)
    forger = app.test_client()
    forger.set_cookie(devices.COOKIE, "not-signed-by-this-app")
    assert post_login(forger, "alice", PASSWORD).status_code == 429


def test_a_device_known_to_another_account_is_a_stranger_here(app):
    add_user(app)
    add_user(app, "mallory")
    attacker = app.test_client()
    assert post_login(attacker, "mallory", PASSWORD).status_code == 302
    attacker.delete_cookie("session")
    _lock_for_strangers(app)
    # Mallory's own device cookie buys no budget on alice's account.
    assert post_login(attacker, "alice", PASSWORD).status_code == 429


@pytest.fixture
def lockouts():
    """The accounts the `account_locked` signal is sent for, in order."""
    heard: list = []

    def listener(sender, **details):
        heard.append(sender)

    signals.event("account_locked").connect(listener)
    yield heard
    signals.event("account_locked").disconnect(listener)


@pytest.mark.db
def test_the_owner_hears_of_each_lockout_once(app, db, lockouts):
    user = add_user(app)
    for _ in range(25):
        post_login(app.test_client(), "alice", WRONG, ip=ATTACKER)
    assert lockouts == [user["_id"]]
    assert db.auth_events.count_documents({"event": "account_locked"}) == 1


def test_an_unknown_name_is_locked_silently(app, lockouts):
    for _ in range(6):
        post_login(app.test_client(), "nobody", WRONG)
    assert post_login(app.test_client(), "nobody", WRONG).status_code == 429
    assert lockouts == []


def test_an_unlock_forgets_the_devices_failures_too(app, runner):
    add_user(app)
    owner = _owners_browser(app)
    for _ in range(5):
        post_login(owner, "alice", WRONG)
    assert post_login(owner, "alice", PASSWORD).status_code == 429
    assert runner.invoke(args=["users", "unlock", "alice"]).exit_code == 0
    assert post_login(owner, "alice", PASSWORD).status_code == 302


@pytest.mark.parametrize("secure", [False, True])
def test_the_device_cookie_is_httponly_lax_and_secure_with_tls(make_app, secure):
    app = make_app(SESSION_COOKIE_SECURE=secure)
    add_user(app)
    browser = app.test_client()
    response = post_login(browser, "alice", PASSWORD)
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("flaskr_device")]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert ("Secure" in header) is secure

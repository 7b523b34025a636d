"""Session lifetimes decided by the server, and disabled users signed out at once."""

from __future__ import annotations

import pytest

from flaskr import messages
from flaskr.identity import accounts
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.conftest import PASSWORD

from .conftest import add_user, database, post_login, signed_in_client


def signed_in(client) -> bool:
    return client.get("/user").status_code == 200


@pytest.mark.db
def test_an_idle_session_ends(app, alice, clock):
    browser = signed_in_client(app)
    clock.advance(minutes=119)
    assert signed_in(browser)
    clock.advance(minutes=119)
    assert signed_in(browser)  # used 119 minutes ago: still alive
    clock.advance(minutes=121)
    assert not signed_in(browser)
    assert database(app).sessions.count_documents({}) == 0


def test_every_session_ends_after_the_maximum(app, alice, clock):
    browser = signed_in_client(app)
    for _ in range(23):
        clock.advance(hours=1)
        assert signed_in(browser)
    clock.advance(hours=1)
    assert not signed_in(browser)


def test_remember_me_lasts_its_days_without_idle_timeout(app, alice, clock):
    browser = signed_in_client(app, remember="y")
    clock.advance(days=29)
    assert signed_in(browser)
    clock.advance(days=1)
    assert not signed_in(browser)


def test_last_seen_is_written_at_most_once_a_minute(app, alice, clock):
    browser = signed_in_client(app)
    sessions = database(app).sessions
    first = sessions.find_one()["last_seen_at"]
    clock.advance(seconds=59)
    assert signed_in(browser)
    assert sessions.find_one()["last_seen_at"] == first
    clock.advance(seconds=1)
    assert signed_in(browser)
    assert sessions.find_one()["last_seen_at"] == clock.at


@pytest.mark.db
def test_a_disabled_user_cannot_sign_in(app, client):
    add_user(app, "carol", disabled=True)
    response = post_login(client, "carol", PASSWORD)
    assert response.status_code == 401
    assert messages.INCORRECT_LOGIN in response.get_data(as_text=True)


@pytest.mark.db
def test_disabling_a_user_ends_their_sessions_at_once(app, alice):
    laptop = signed_in_client(app)
    with app.app_context():
        assert accounts.disable_account(alice, actor=CLI, settings=settings()) == 1
    assert not signed_in(laptop)
    assert database(app).sessions.count_documents({"user_id": alice["_id"]}) == 0


@pytest.mark.realdb
def test_disabling_on_one_instance_signs_out_on_another(backend, make_app):
    first, second = make_app(), make_app()
    user = add_user(first)
    browser = signed_in_client(first)
    # The session made on the first instance is valid on the second: it lives in the database.
    other = second.test_client()
    other.set_cookie("session", browser.get_cookie("session").value)
    assert signed_in(other)
    with second.app_context():
        accounts.disable_account(user, actor=CLI, settings=settings())
    assert not signed_in(browser)
    assert not signed_in(other)

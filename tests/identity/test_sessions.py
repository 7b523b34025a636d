"""Server-side sessions: what is stored, and every way a session ends."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from flaskr import messages
from flaskr.identity import accounts, sessions, users
from flaskr.identity import clock as app_clock
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.support.users import add_user
from tests.support.web import (
    AuthActions,
    copy_cookies,
    page_text,
    session_token,
    signed_in,
    signed_in_client,
)

UA = "Mozilla/5.0 (flaskr-tests) Browser/1.0"


@pytest.mark.db
@pytest.mark.parametrize("remember", [False, True])
def test_session_record(app, client, auth, db, remember):
    auth.register()
    auth.login(remember=remember, headers={"User-Agent": UA})
    token = session_token(app, client)
    # At least 128 random bits, urlsafe base64.
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    record = db.sessions.find_one()
    assert db.sessions.count_documents({}) == 1
    assert record["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(record)
    assert record["user_id"] == db.users.find_one()["_id"]
    # What every signed-in request shows of its user travels with the session.
    assert record["username"] == "alice"
    assert record["user_created_at"] == db.users.find_one()["created_at"]
    assert record["created_at"] == record["last_seen_at"]
    assert record["ip"] == "127.0.0.1"
    assert record["user_agent"] == UA
    assert record["remember"] is remember
    life = timedelta(days=30) if remember else timedelta(minutes=120)
    assert record["expires_at"] == record["created_at"] + life
    # The record says when the user signed in.
    assert record["created_at"] == db.users.find_one()["last_login_at"]


def test_long_user_agent_is_cut(auth, db):
    auth.register()
    auth.login(headers={"User-Agent": "x" * 5000})
    assert db.sessions.find_one()["user_agent"] == "x" * 256


def test_token_is_not_the_username_or_guessable(app, client, auth):
    auth.register()
    auth.login()
    first = session_token(app, client)
    auth.logout()
    auth.login()
    assert session_token(app, client) != first


@pytest.mark.db
def test_deleting_session_records_signs_out_everywhere(app, client, auth, db):
    auth.register()
    auth.login()
    laptop = AuthActions(app.test_client())
    laptop.login(remember=True)
    phone = app.test_client()
    copy_cookies(laptop.client, phone, names=("remember_token",))
    assert signed_in(client) and signed_in(laptop.client) and signed_in(phone)
    assert db.sessions.count_documents({}) == 2
    with app.app_context():
        ended = sessions.end_user_sessions(db.users.find_one()["_id"])
    assert ended == 2
    assert not signed_in(client)
    assert not signed_in(laptop.client)
    assert not signed_in(phone)
    # A fresh browser holding only the remember-me cookie is refused too.
    fresh = app.test_client()
    copy_cookies(laptop.client, fresh, names=("remember_token",))
    assert not signed_in(fresh)


def test_end_user_sessions_can_keep_one(app, client, auth, db):
    auth.register()
    auth.login()
    other = AuthActions(app.test_client())
    other.login()
    keep = hashlib.sha256(session_token(app, client).encode()).hexdigest()
    with app.app_context():
        assert sessions.end_user_sessions(db.users.find_one()["_id"], keep=keep) == 1
    assert signed_in(client)
    assert not signed_in(other.client)


def test_list_sessions_newest_use_first(app, client, auth, db, clock):
    auth.register()
    auth.login()
    clock.advance(minutes=5)
    other = AuthActions(app.test_client())
    other.login()
    clock.advance(minutes=5)
    signed_in(client)  # touches the first session
    with app.app_context():
        listed = sessions.list_sessions(db.users.find_one()["_id"], now=clock.at)
    assert [s["_id"] for s in listed] == [
        hashlib.sha256(session_token(app, c).encode()).hexdigest() for c in (client, other.client)
    ]


def test_deleted_user_is_signed_out(app, client, auth, db):
    auth.register()
    auth.login()
    with app.app_context():
        accounts.delete_account(db.users.find_one(), actor=CLI, settings=settings())
    assert not signed_in(client)
    assert db.sessions.count_documents({}) == 0


@pytest.mark.db
def test_idle_timeout(client, auth, db, clock):
    auth.register()
    auth.login()
    clock.advance(minutes=119)
    assert signed_in(client)  # and that use restarts the idle clock
    clock.advance(minutes=119)
    assert signed_in(client)
    clock.advance(minutes=121)
    assert not signed_in(client)
    assert db.sessions.count_documents({}) == 0


def test_idle_timeout_from_config(make_app, clock):
    app = make_app(SESSION_IDLE_MINUTES=5)
    auth = AuthActions(app.test_client())
    auth.register()
    auth.login()
    clock.advance(minutes=4)
    assert signed_in(auth.client)
    clock.advance(minutes=6)
    assert not signed_in(auth.client)


def test_max_lifetime(client, auth, db, clock):
    auth.register()
    auth.login()
    for _ in range(23):
        clock.advance(hours=1)
        assert signed_in(client)
    clock.advance(minutes=59)
    assert signed_in(client)
    clock.advance(minutes=1)
    assert not signed_in(client)
    assert db.sessions.count_documents({}) == 0


def test_remember_me_outlives_idle_and_max(app, client, auth, clock):
    auth.register()
    auth.login(remember=True)
    clock.advance(days=3)
    assert signed_in(client)
    clock.advance(days=26, hours=23)
    assert signed_in(client)
    clock.advance(hours=1)
    assert not signed_in(client)
    # The remember-me cookie alone cannot bring the session back.
    fresh = app.test_client()
    copy_cookies(client, fresh, names=("remember_token",))
    assert not signed_in(fresh)


def test_last_seen_written_at_most_once_a_minute(client, auth, db, clock):
    auth.register()
    auth.login()
    start = db.sessions.find_one()["last_seen_at"]
    clock.advance(seconds=30)
    assert signed_in(client)
    assert db.sessions.find_one()["last_seen_at"] == start
    clock.advance(seconds=29)
    assert signed_in(client)
    assert db.sessions.find_one()["last_seen_at"] == start
    clock.advance(seconds=1)  # a full minute since the last write
    assert signed_in(client)
    record = db.sessions.find_one()
    assert record["last_seen_at"] == clock.at
    assert record["expires_at"] == clock.at + timedelta(minutes=120)


@pytest.mark.db
def test_disabled_user_is_signed_out_and_cannot_sign_in(app, client, auth, db):
    auth.register()
    auth.login()
    assert signed_in(client)
    with app.app_context():
        assert accounts.disable_account(db.users.find_one(), actor=CLI, settings=settings()) == 1
    assert not signed_in(client)
    assert db.sessions.count_documents({}) == 0
    response = auth.login()
    assert response.status_code == 401
    assert messages.INCORRECT_LOGIN in page_text(response)
    assert db.sessions.count_documents({}) == 0


@pytest.mark.realdb
def test_disabling_on_one_instance_signs_out_on_another(backend, make_app):
    first, second = make_app(), make_app()
    user = add_user(first)
    browser = signed_in_client(first)
    # The session made on the first instance is valid on the second: it lives in the database.
    other = second.test_client()
    copy_cookies(browser, other, names=("session",))
    assert signed_in(other)
    with second.app_context():
        accounts.disable_account(user, actor=CLI, settings=settings())
    assert not signed_in(browser)
    assert not signed_in(other)


def test_sign_out_ends_only_this_session(app, client, auth, db):
    auth.register()
    auth.login()
    other = AuthActions(app.test_client())
    other.login()
    auth.logout()
    assert not signed_in(client)
    assert signed_in(other.client)
    assert db.sessions.count_documents({}) == 1


def test_load_session_refuses_non_strings(app):
    life = sessions.Lifetimes.from_config(app.config)
    with app.app_context():
        assert sessions.load_session({"$ne": None}, now=app_clock.now(), life=life) is None
        assert sessions.load_session("no-such-token", now=app_clock.now(), life=life) is None


@pytest.mark.db
@pytest.mark.parametrize("ending", ["disable", "delete"])
def test_an_account_ended_during_the_password_check_is_not_signed_in(
    app, client, auth, db, monkeypatch, ending
):
    """The session copies its user, so a sign-in racing with disable or delete must not win."""
    auth.register()
    check = users.password_matches

    def racing(user, password, rounds):
        assert check(user, password, rounds)
        if ending == "disable":
            accounts.disable_account(user, actor=CLI, settings=settings())
        else:
            accounts.delete_account(user, actor=CLI, settings=settings())
        return True

    monkeypatch.setattr(users, "password_matches", racing)
    response = auth.login()
    assert response.status_code == 401
    assert messages.INCORRECT_LOGIN in page_text(response)
    assert db.sessions.count_documents({}) == 0
    assert not signed_in(client)


def test_ending_a_session_that_is_not_the_users_does_nothing(app, alice):
    with app.app_context():
        assert sessions.end_user_session(alice["_id"], "0" * 64) is False

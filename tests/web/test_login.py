"""The browser's side of a session (web/login.py): cookies, fixation, what a request reads."""

from __future__ import annotations

import pytest

from tests.support.web import PASSWORD, copy_cookies, page_text, session_token, signed_in


@pytest.mark.db
def test_copied_cookie_is_dead_after_sign_out(app, client, auth, db):
    auth.register()
    auth.login()
    thief = app.test_client()
    copy_cookies(client, thief)
    assert signed_in(thief)
    auth.logout()
    assert db.sessions.count_documents({}) == 0
    assert not signed_in(client)
    assert not signed_in(thief)


@pytest.mark.db
def test_copied_remember_cookie_is_dead_after_sign_out(app, client, auth):
    auth.register()
    auth.login(remember=True)
    thief = app.test_client()
    copy_cookies(client, thief, names=("remember_token",))
    assert signed_in(thief)  # remember-me alone signs in
    auth.logout()
    fresh = app.test_client()
    copy_cookies(thief, fresh, names=("remember_token",))
    assert not signed_in(fresh)
    assert not signed_in(thief)


def test_flask_session_cleared_on_sign_in(client, auth):
    """Session fixation: nothing planted in the session before sign-in survives it."""
    auth.register()
    with client.session_transaction() as s:
        s["planted"] = "by-an-attacker"
        s["_user_id"] = "chosen-by-an-attacker"
    auth.login()
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["_user_id"] != "chosen-by-an-attacker"
    assert signed_in(client)


def test_password_not_in_session_or_cookie(app, client, auth):
    auth.register()
    auth.login()
    with client.session_transaction() as s:
        assert PASSWORD not in str(dict(s))


@pytest.mark.parametrize("remember", [False, True])
def test_signing_in_again_ends_the_browsers_previous_session(app, client, auth, db, remember):
    """Another account signed in on the same browser: the old session is over, copies too."""
    auth.register("alice")
    auth.register("bob")
    auth.login("alice", remember=remember)
    copy = app.test_client()
    copy_cookies(client, copy)
    auth.login("bob")
    assert "<dd>bob</dd>" in page_text(client.get("/user"))
    assert not signed_in(copy)
    assert [s["user_id"] for s in db.sessions.find()] == [
        db.users.find_one({"username": "bob"})["_id"]
    ]
    # Once the browser forgets its session cookie, alice's old remember-me cookie is dead too.
    client.delete_cookie("session")
    assert not signed_in(client)


@pytest.mark.realdb
def test_a_signed_in_page_costs_one_round_trip(command_log, client, auth, clock):
    auth.register()
    auth.login()
    clock.advance(seconds=10)
    del command_log.seen[:]
    # "/" needs only the signed-in user (/user also reads its recent activity).
    assert "You are signed in as" in page_text(client.get("/"))
    assert command_log.names() == ["find"]
    # Once a minute the last-seen time is written too.
    clock.advance(minutes=2)
    del command_log.seen[:]
    assert "You are signed in as" in page_text(client.get("/"))
    assert command_log.names() == ["find", "update"]


@pytest.mark.realdb
def test_the_api_reads_only_the_session(command_log, client, auth):
    auth.register()
    auth.login()
    del command_log.seen[:]
    assert client.get("/api/v1/me").json["user"]["username"] == "alice"
    assert [(name, coll) for name, coll, _ in command_log.seen] == [("find", "sessions")]


@pytest.mark.db
def test_the_full_user_document_is_read_only_when_asked_for(app, client, auth, db):
    """`current_user.doc`, for features built on flaskr: read once, and 401 once deleted."""
    from werkzeug.exceptions import Unauthorized

    from flaskr.web.login import load_user

    auth.register()
    auth.login()
    token = session_token(app, client)
    with app.test_request_context():
        current = load_user(token)
        assert current.doc["password_hash"] == db.users.find_one()["password_hash"]
        assert current.doc is current.doc
        db.users.delete_many({})
        gone = load_user(token)  # between deleting the user and ending its sessions
        with pytest.raises(Unauthorized):
            _ = gone.doc

"""A dedicated real server stopped, killed and restarted: 503 meanwhile, nothing lost."""

from __future__ import annotations

import logging
import time

import pymongo
import pytest

from tests.conftest import AuthActions, page_text

pytestmark = pytest.mark.realdb

UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."


def until(check, seconds: float = 30):
    """Poll `check` until it returns a true value; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.2)


def stored_usernames(uri: str) -> list[str]:
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000) as client:
        return sorted(u["username"] for u in client.get_default_database().users.find())


@pytest.fixture
def server_app(dedicated_server, make_app):
    dedicated_server.start()
    return make_app(MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000)


@pytest.fixture
def unsynced_app(dedicated_server, make_app):
    """The server does not sync each commit: only flaskr's journaled writes are safe."""
    dedicated_server.start(sync_on_commit=False)
    # 100 registrations from one test address: above the default REGISTER_RATE_LIMIT.
    return make_app(
        MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000, REGISTER_RATE_LIMIT="1000 per hour"
    )


def test_503_then_recovery_with_no_account_lost(dedicated_server, server_app, caplog):
    caplog.set_level(logging.WARNING, logger="flaskr.db")
    alice = AuthActions(server_app.test_client())
    for name in ("alice", "bob"):
        assert alice.register(name).status_code == 302
    assert alice.login().status_code == 302
    assert alice.client.get("/user").status_code == 200

    dedicated_server.stop()
    carol = AuthActions(server_app.test_client())
    for response in (
        alice.client.get("/user"),
        alice.client.get("/"),
        carol.register("carol"),
        carol.login("bob"),
    ):
        assert response.status_code == 503
        assert UNAVAILABLE in page_text(response)
    # Pages that need no data keep working.
    assert carol.client.get("/auth/login").status_code == 200
    down = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(down) == 1

    dedicated_server.start()
    # The same app recovers by itself; alice's session survived.
    until(lambda: alice.client.get("/user").status_code == 200)
    until(lambda: any("reachable again" in r.getMessage() for r in caplog.records))
    assert carol.register("carol").status_code == 302
    assert carol.login("bob").status_code == 302
    assert stored_usernames(dedicated_server.uri) == ["alice", "bob", "carol"]


def test_database_down_at_first_use_then_indexes_made(dedicated_server, make_app):
    """No init-db, and the server is down when the app first needs it."""
    app = make_app(MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=500)
    auth = AuthActions(app.test_client())
    assert auth.register("alice").status_code == 503
    dedicated_server.start()
    until(lambda: auth.register("alice").status_code == 302)
    assert auth.register("ALICE").status_code == 409
    with pymongo.MongoClient(dedicated_server.uri) as client:
        info = client.get_default_database().users.index_information()
    assert info["username_key_unique"]["unique"] is True


def test_acknowledged_registrations_survive_kill_9(dedicated_server, unsynced_app):
    auth = AuthActions(unsynced_app.test_client())
    names = [f"user{i:03d}" for i in range(100)]
    for name in names:
        assert auth.register(name).status_code == 302
    dedicated_server.kill()
    dedicated_server.start(sync_on_commit=False)
    assert stored_usernames(dedicated_server.uri) == names


def test_sign_in_and_sign_out_survive_kill_9(dedicated_server, unsynced_app):
    auth = AuthActions(unsynced_app.test_client())
    auth.register()
    auth.login()
    leaver = AuthActions(unsynced_app.test_client())
    leaver.login()
    leaver.logout()
    dedicated_server.kill()
    dedicated_server.start(sync_on_commit=False)
    # The session made just before the crash is still there; the one ended is still gone.
    until(lambda: auth.client.get("/user").status_code == 200)
    assert leaver.client.get("/user").status_code == 302
    with pymongo.MongoClient(dedicated_server.uri) as client:
        assert client.get_default_database().sessions.count_documents({}) == 1


def test_deleted_account_stays_deleted_after_kill_9(dedicated_server, unsynced_app):
    auth = AuthActions(unsynced_app.test_client())
    auth.register("alice")
    auth.register("bob")
    with unsynced_app.app_context():
        from flaskr.identity import users

        assert users.delete_user(users.find_user("bob")["_id"])
    dedicated_server.kill()
    dedicated_server.start(sync_on_commit=False)
    assert stored_usernames(dedicated_server.uri) == ["alice"]

"""The database layer: init-db, the indexes, one lazy client per process, URI schemes, and
journaled writes that survive `kill -9` of the server."""

from __future__ import annotations

import mongomock
import pymongo
import pytest
from pymongo.errors import DuplicateKeyError

from flaskr import db as flaskr_db
from flaskr import identity
from flaskr.db import ensure_indexes, get_db, make_client
from flaskr.mail import outbox
from flaskr.web import ratelimit
from tests.support.live import until
from tests.support.web import AuthActions

EXPECTED_LINES = [
    "index ok: users.username_key_unique",
    "index ok: users.email_key_unique_confirmed",
    "index ok: sessions.user_id",
    "index ok: sessions.expires_at_ttl",
    "index ok: login_failures.until_ttl",
    "index ok: auth_events.user_id_at",
    "index ok: auth_events.expires_at_ttl",
    "index ok: pending_sign_ins.expires_at_ttl",
    "index ok: link_tokens.user_id_purpose",
    "index ok: link_tokens.expires_at_ttl",
    "index ok: passkeys.credential_id_unique",
    "index ok: passkeys.user_id_created_at",
    "index ok: passkeys.user_id_slot_unique",
    "index ok: webauthn_challenges.expires_at_ttl",
    "index ok: users.roles",
    "index ok: auth_events.at_id",
    "index ok: auth_events.event_at_id",
    "index ok: auth_events.ip_at_id",
    "index ok: audit_hours.expires_at_ttl",
    "index ok: outbox.status_next_attempt",
    "index ok: outbox.expires_at_ttl",
    "index ok: rate_limits.expireAt_ttl",
    "index ok: rate_limit_windows.expireAt_ttl",
]


@pytest.mark.db
def test_init_db_output(runner, app):
    with app.app_context():  # as `flask` pushes one for every command
        result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:-2] == EXPECTED_LINES
    # Then the usernames' look-alike keys (tests/identity/test_lookalike_names.py).
    assert lines[-2].startswith("username keys ok: 0 users, 0 updated (ICU ")
    assert lines[-1].startswith("Initialised the database at mongo")
    assert app.config["MONGO_URI"] in lines[-1]


@pytest.mark.db
def test_init_db_is_idempotent(runner, db):
    db.users.insert_one({"username": "keep", "username_key": "keep"})
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    # Running it again keeps the data.
    assert db.users.count_documents({}) == 1


@pytest.mark.db
def test_indexes_really_exist(runner, db):
    runner.invoke(args=["init-db"])
    users = db.users.index_information()
    assert users["username_key_unique"]["key"] == [("username_key", 1)]
    assert users["username_key_unique"]["unique"] is True
    sessions = db.sessions.index_information()
    assert sessions["user_id"]["key"] == [("user_id", 1)]
    assert sessions["expires_at_ttl"]["key"] == [("expires_at", 1)]
    assert sessions["expires_at_ttl"]["expireAfterSeconds"] == 0
    passkeys = db.passkeys.index_information()
    assert passkeys["credential_id_unique"]["key"] == [("credential_id", 1)]
    assert passkeys["credential_id_unique"]["unique"] is True


@pytest.mark.db
def test_unique_index_refuses_a_second_key(db):
    """The index is made when the client is first used, even without init-db."""
    db.users.insert_one({"username": "Alice", "username_key": "alice"})
    with pytest.raises(DuplicateKeyError):
        db.users.insert_one({"username": "ALICE", "username_key": "alice"})
    assert db.users.count_documents({}) == 1


def test_init_db_hides_the_password_in_the_uri(make_app):
    app = make_app(MONGO_URI="mongomock://flaskr:hunter2-secret@localhost/withpw")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "hunter2-secret" not in result.output
    assert "Initialised the database at mongomock://***@localhost/withpw." in result.output


def test_client_is_lazy_and_made_once(make_app, monkeypatch):
    made = []

    def counting(*args, **kw):
        made.append(args[0])
        return make_client(*args, **kw)

    monkeypatch.setattr(flaskr_db, "make_client", counting)
    app = make_app()
    assert made == []
    with app.app_context():
        first = get_db()
        second = get_db()
    with app.app_context():
        third = get_db()
    assert made == [app.config["MONGO_URI"]]
    assert first.client is second.client is third.client


def test_client_recreated_after_fork(app, monkeypatch):
    """A gunicorn worker forked after the client was made gets a client of its own."""
    mongo = app.extensions["flaskr.mongo"]
    parent = mongo.client
    assert mongo.client is parent
    import os

    child_pid = os.getpid() + 100_000
    monkeypatch.setattr(flaskr_db.os, "getpid", lambda: child_pid)
    child = mongo.client
    assert child is not parent
    assert mongo.client is child
    # The child never closes the parent's client (its sockets belong to the parent).
    monkeypatch.undo()
    parent.close()


def test_mongomock_scheme_is_translated():
    client = make_client("mongomock://localhost/some_name")
    assert isinstance(client, mongomock.MongoClient)
    assert client.get_default_database().name == "some_name"
    with pytest.raises(pymongo.errors.InvalidURI):
        mongomock.MongoClient("mongomock://localhost/some_name")


def test_mongodb_scheme_makes_a_pymongo_client():
    client = make_client("mongodb://127.0.0.1:9/real_name", timeout_ms=1234)
    try:
        assert isinstance(client, pymongo.MongoClient)
        assert client.get_default_database().name == "real_name"
        assert client.options.server_selection_timeout == 1.234
        assert client.codec_options.tz_aware
    finally:
        client.close()


@pytest.mark.db
def test_ensure_indexes_returns_names(db):
    every = [*identity.INDEXES, *outbox.INDEXES, *ratelimit.INDEXES]  # as create_app has them
    assert ensure_indexes(db, every) == [line.removeprefix("index ok: ") for line in EXPECTED_LINES]


@pytest.mark.realdb
def test_writes_to_accounts_are_journaled(app):
    with app.app_context():
        users = flaskr_db.collection("users", durable=True)
        assert users.write_concern.document == {"w": "majority", "j": True}
        assert get_db().name == app.config["MONGO_URI"].rsplit("/", 1)[1]


@pytest.mark.realdb
def test_account_and_session_writes_wait_for_the_journal(command_log, app):
    auth = AuthActions(app.test_client())
    auth.register()
    app.config["BCRYPT_ROUNDS"] = 5  # the sign-in re-hashes the password
    auth.login()
    auth.logout()
    with app.app_context():
        from flaskr.identity import sessions, users

        user = users.find_user("alice")
        sessions.end_user_sessions(user["_id"])
        users.delete_user(user["_id"])
    durable = {"w": "majority", "j": True}
    writes = [w for w in command_log.seen if w[0] in ("insert", "update", "delete")]
    kinds = {(command, coll) for command, coll, concern in writes if concern == durable}
    assert {
        ("insert", "users"),  # register
        ("insert", "sessions"),  # sign in
        ("update", "users"),  # re-hash
        ("delete", "sessions"),  # sign out, sign out everywhere
        ("delete", "users"),  # delete the account
    } <= kinds
    # Accounts and sessions; throttle counters and audit events need no journal wait.
    accounts = ("users", "sessions")
    changes = [w for w in writes if w[0] in ("insert", "delete") and w[1] in accounts]
    assert [w for w in changes if w[2] != durable] == []


# kill -9 of a server started without --sync-on-commit: the journaled write concern alone
# keeps every acknowledged write (with w:1 these tests fail).


def stored_usernames(uri: str) -> list[str]:
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000) as client:
        return sorted(u["username"] for u in client.get_default_database().users.find())


@pytest.fixture
def unsynced_app(dedicated_server, make_app):
    """The server does not sync each commit: only flaskr's journaled writes are safe."""
    dedicated_server.start(sync_on_commit=False)
    # 100 registrations from one test address: above the default REGISTER_RATE_LIMIT.
    return make_app(
        MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000, REGISTER_RATE_LIMIT="1000 per hour"
    )


@pytest.mark.realdb
def test_acknowledged_registrations_survive_kill_9(dedicated_server, unsynced_app):
    auth = AuthActions(unsynced_app.test_client())
    names = [f"user{i:03d}" for i in range(100)]
    for name in names:
        assert auth.register(name).status_code == 302
    dedicated_server.kill()
    dedicated_server.start(sync_on_commit=False)
    assert stored_usernames(dedicated_server.uri) == names


@pytest.mark.realdb
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
    until(lambda: auth.client.get("/user").status_code == 200, "the session")
    assert leaver.client.get("/user").status_code == 302
    with pymongo.MongoClient(dedicated_server.uri) as client:
        assert client.get_default_database().sessions.count_documents({}) == 1


@pytest.mark.realdb
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

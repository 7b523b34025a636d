"""The database goes away and comes back: 503 meanwhile, logged once per outage, recovery by
itself, nothing lost."""

from __future__ import annotations

import logging
import time

import pymongo
import pytest
from pymongo.errors import ServerSelectionTimeoutError

from flaskr.db import mongo
from flaskr.identity import users
from flaskr.web.ratelimit import AppMongoStorage
from flaskr_dev.embedded import free_port
from tests.support.live import until
from tests.support.web import AuthActions, page_text

UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "flaskr.db"]


def test_the_listener_logs_once_per_outage_and_once_on_recovery(app, caplog):
    with app.app_context():
        outage = mongo().outage
    error = ServerSelectionTimeoutError(
        "127.0.0.1:1: [Errno 111] Connection refused (configured timeouts: x), Timeout: 2.0s, "
        "Topology Description: <...>"
    )
    with caplog.at_level(logging.INFO, logger="flaskr.db"):
        outage.succeeded(None)  # a healthy database says nothing
        for _ in range(5):
            outage.failed_request(error)
        outage.started(None)
        outage.failed(None)
        outage.succeeded(None)
        outage.succeeded(None)
        outage.failed_request(error)  # a second outage is logged again
    assert messages(caplog) == [
        "database unreachable: 127.0.0.1:1: [Errno 111] Connection refused",
        "database reachable again",
        "database unreachable: 127.0.0.1:1: [Errno 111] Connection refused",
    ]


@pytest.fixture
def server_app(dedicated_server, make_app):
    dedicated_server.start()
    return make_app(MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000)


@pytest.mark.realdb
def test_503_then_recovery_with_no_account_lost(dedicated_server, server_app, caplog):
    caplog.set_level(logging.INFO, logger="flaskr.db")
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
        alice.client.get("/user"),
    ):
        assert response.status_code == 503
        assert UNAVAILABLE in page_text(response)
    assert alice.client.get("/readyz").status_code == 503
    # Pages that need no data keep working.
    assert carol.client.get("/auth/login").status_code == 200
    down = messages(caplog)
    assert len(down) == 1
    assert down[0].startswith("database unreachable: ")

    dedicated_server.start()
    # The same app recovers by itself; alice's session survived.
    until(lambda: alice.client.get("/readyz").status_code == 200, "readiness")
    assert alice.client.get("/user").status_code == 200
    until(lambda: "database reachable again" in messages(caplog), "the recovery log line")
    # Logged once when it went, once when it came back.
    assert messages(caplog)[1:] == ["database reachable again"]
    assert carol.register("carol").status_code == 302
    assert carol.login("bob").status_code == 302
    with pymongo.MongoClient(dedicated_server.uri, serverSelectionTimeoutMS=10_000) as client:
        stored = client.get_default_database().users.find()
        assert sorted(u["username"] for u in stored) == ["alice", "bob", "carol"]


@pytest.mark.realdb
def test_database_down_at_first_use_then_indexes_made(dedicated_server, make_app):
    """No init-db, and the server is down when the app first needs it."""
    app = make_app(MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=500)
    auth = AuthActions(app.test_client())
    assert auth.register("alice").status_code == 503
    dedicated_server.start()
    until(lambda: auth.register("alice").status_code == 302, "a registration")
    assert auth.register("ALICE").status_code == 409
    with pymongo.MongoClient(dedicated_server.uri) as client:
        info = client.get_default_database().users.index_information()
    assert info["username_key_unique"]["unique"] is True


@pytest.mark.realdb
def test_database_lost_during_a_registration_is_a_503(dedicated_server, make_app, monkeypatch):
    # The registration limit is counted (database up), then the database goes away before the
    # account is stored: the answer is 503 "could not", never a 500 from the limit's headers.
    dedicated_server.start()
    app = make_app(
        MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000, PROPAGATE_EXCEPTIONS=False
    )
    create_user = users.create_user

    def stop_then_create(*args, **kwargs):
        dedicated_server.stop()
        return create_user(*args, **kwargs)

    monkeypatch.setattr(users, "create_user", stop_then_create)
    response = AuthActions(app.test_client()).register()
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True)
    assert "Retry-After" not in response.headers or response.headers["Retry-After"].isdigit()


def test_rate_limit_headers_do_not_need_the_database(make_app):
    app = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/flaskr", MONGO_TIMEOUT_MS=200)
    with app.app_context():
        storage = AppMongoStorage("flaskr-mongo://")
        before = time.time()
        # The database does not answer: the header numbers fall back instead of raising.
        assert storage.get("register/127.0.0.1") == 0
        assert storage.get_expiry("register/127.0.0.1") >= before
        # Once an outage is known, they do not even wait for it.
        mongo().outage.down = True
        assert storage.get("register/127.0.0.1") == 0
        assert storage.get_expiry("register/127.0.0.1") >= before

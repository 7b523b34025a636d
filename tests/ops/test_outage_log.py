"""The outage listener logs once when the database goes away and once when it is back."""

from __future__ import annotations

import logging
import time

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from flaskr.db import _Outage, mongo
from flaskr.identity import users
from flaskr.web.ratelimit import AppMongoStorage
from flaskr_dev.embedded import free_port
from tests.conftest import AuthActions

from .live import Database


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "flaskr.db"]


def test_listener_logs_once_per_outage_and_once_on_recovery(caplog):
    outage = _Outage()
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


@pytest.mark.realdb
def test_an_app_logs_an_outage_once_and_recovers(make_app, tmp_path, caplog):
    server = Database(tmp_path / "db")
    server.start()
    try:
        app = make_app(MONGO_URI=server.uri(), MONGO_TIMEOUT_MS=1000)
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.register().status_code == 302
        assert auth.login().status_code == 302
        server.stop()
        with caplog.at_level(logging.INFO, logger="flaskr"):
            for _ in range(3):
                page = client.get("/user")
                assert page.status_code == 503
                assert "temporarily unavailable" in page.get_data(as_text=True)
                assert client.get("/readyz").status_code == 503
            server.start()
            assert client.get("/readyz").status_code == 200
            assert client.get("/user").status_code == 200  # still signed in
        logged = messages(caplog)
        assert logged[0].startswith("database unreachable: ")
        assert logged[1:] == ["database reachable again"]
    finally:
        server.stop()


@pytest.mark.realdb
def test_database_lost_during_a_registration_is_a_503(make_app, tmp_path, monkeypatch):
    # The registration limit is counted (database up), then the database goes away before the
    # account is stored: the answer is 503 "could not", never a 500 from the limit's headers.
    server = Database(tmp_path / "db")
    server.start()
    try:
        app = make_app(MONGO_URI=server.uri(), MONGO_TIMEOUT_MS=1000, PROPAGATE_EXCEPTIONS=False)
        client = app.test_client()
        create_user = users.create_user

        def stop_then_create(*args, **kwargs):
            server.stop()
            return create_user(*args, **kwargs)

        monkeypatch.setattr(users, "create_user", stop_then_create)
        response = AuthActions(client).register()
        assert response.status_code == 503
        assert "temporarily unavailable" in response.get_data(as_text=True)
        assert "Retry-After" not in response.headers or response.headers["Retry-After"].isdigit()
    finally:
        server.stop()


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

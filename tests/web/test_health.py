"""`/healthz` (the process serves) and `/readyz` (the database answers a ping)."""

from __future__ import annotations

import logging

import pytest
from pymongo.errors import OperationFailure

from flaskr.web import health
from flaskr_dev.embedded import free_port


@pytest.fixture
def unreachable(make_app):
    """An app whose database port is closed."""
    return make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/flaskr", MONGO_TIMEOUT_MS=3000)


@pytest.mark.db
def test_healthz_and_readyz_when_all_is_well(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}


def test_healthz_does_not_need_the_database(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_503_when_the_database_port_is_closed(unreachable):
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "reason": "the database did not answer a ping within 1 s",
    }


def test_readyz_failures_are_logged_once_per_outage(unreachable, caplog):
    client = unreachable.test_client()
    with caplog.at_level(logging.INFO, logger="flaskr"):
        for _ in range(3):
            assert client.get("/readyz").status_code == 503
    outages = [r for r in caplog.records if r.name == "flaskr.db"]
    assert [r.getMessage().split(":")[0] for r in outages] == ["database unreachable"]


def test_health_checks_need_no_sign_in_and_set_no_cookie(client):
    for path in ("/healthz", "/readyz"):
        assert "Set-Cookie" not in client.get(path).headers


def test_readyz_when_the_database_refuses(app, client, monkeypatch, caplog):
    class Refusing:
        def command(self, name):
            raise OperationFailure("command ping requires authentication", code=13)

    monkeypatch.setattr(health, "get_db", Refusing)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "the database refused the check"
    assert "readiness check failed: command ping requires authentication" in caplog.text

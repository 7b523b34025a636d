"""With the database away, protection fails closed: 503, never a 500, never an unchecked try."""

from __future__ import annotations

import pytest

from flaskr.identity import passwords
from flaskr_dev import embedded
from tests.conftest import PASSWORD, csrf_token

UNAVAILABLE = "The service is temporarily unavailable. Please try again shortly."


@pytest.fixture
def app_without_database(make_app):
    # Nothing listens on a fresh free port: every database call times out quickly.
    uri = f"mongodb://127.0.0.1:{embedded.free_port()}/flaskr_absent"
    return make_app(MONGO_URI=uri, MONGO_TIMEOUT_MS=200)


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register"])
def test_sign_in_and_registration_answer_503(app_without_database, monkeypatch, path):
    checks = []
    monkeypatch.setattr(passwords, "check_password", lambda *a, **k: checks.append(1))
    monkeypatch.setattr(passwords, "burn_check", lambda *a, **k: checks.append(1))
    client = app_without_database.test_client()
    form = {"username": "alice", "password": PASSWORD, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=form)
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    # The throttle could not reserve an attempt, so no password was checked.
    assert checks == []


def test_init_db_creates_the_protection_indexes(app, runner):
    with app.app_context():  # as `flask` pushes one for every command
        result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    for name in (
        "login_failures.until_ttl",
        "auth_events.user_id_at",
        "auth_events.expires_at_ttl",
        "rate_limits.expireAt_ttl",
        "rate_limit_windows.expireAt_ttl",
    ):
        assert f"index ok: {name}" in result.output

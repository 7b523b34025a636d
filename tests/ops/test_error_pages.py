"""Error pages for a signed-in visitor when loading their session is what failed."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

from flaskr.identity import sessions
from tests.conftest import AuthActions


@pytest.fixture
def client(make_app):
    """A client whose app turns exceptions into error pages, as in production."""
    return make_app(PROPAGATE_EXCEPTIONS=False).test_client()


@pytest.fixture
def signed_in(client):
    auth = AuthActions(client)
    auth.register()
    auth.login()


def failing(monkeypatch, error):
    calls = []

    def load_session(*args, **kwargs):
        calls.append(1)
        raise error

    monkeypatch.setattr(sessions, "load_session", load_session)
    return calls


def test_database_away_is_503_after_one_attempt(client, signed_in, monkeypatch):
    calls = failing(monkeypatch, ServerSelectionTimeoutError("127.0.0.1:1: refused"))
    response = client.get("/user")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The service is temporarily unavailable. Please try again shortly." in page
    assert "Traceback" not in page
    # One wait for the database, not one more while the error page renders.
    assert calls == [1]


def test_other_database_errors_are_a_500_page_not_a_crash(client, signed_in, monkeypatch):
    failing(monkeypatch, OperationFailure("boom", code=2))
    response = client.get("/user")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, something went wrong on our side." in page
    assert "Traceback" not in page and "boom" not in page

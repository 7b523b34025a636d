"""Fixtures for two-factor sign-in: alice signed in, the clock at the start of a time step."""

from __future__ import annotations

import pytest

from flaskr.identity import users

from .helpers import TwoFactorPages, to_step_start


@pytest.fixture
def on_step(clock):
    """The frozen clock, at the first second of a 30-second TOTP step."""
    to_step_start(clock)
    return clock


@pytest.fixture
def pages(client):
    return TwoFactorPages(client)


@pytest.fixture
def alice(app, auth):
    """alice, registered and signed in on `client` (her password is fresh)."""
    auth.register()
    assert auth.login().headers["Location"] == "/user"
    with app.app_context():
        return users.find_user("alice")


@pytest.fixture
def enabled(alice, pages, on_step):
    """alice with two-factor sign-in on: (key, recovery codes)."""
    return pages.enable(on_step)

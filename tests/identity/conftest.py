"""Fixtures for the identity core's passkey tests: a `world` to make accounts and passkeys in
with a software authenticator (the test module's `app` must configure passkeys)."""

from __future__ import annotations

import pytest

from flaskr.web.context import settings
from tests.support.passkeys import World


@pytest.fixture
def world(app, clock):
    """Accounts, passkeys and ceremonies through the identity core, at the frozen time."""
    with app.test_request_context():
        yield World(settings(), clock)

"""Fixtures for the identity core's passkey tests: a `world` to make accounts and passkeys in
with a software authenticator (the test module's `app` must configure passkeys), and the
passkey signals `heard`."""

from __future__ import annotations

import contextlib
import functools

import pytest

from flaskr.identity import audit, signals
from flaskr.web.context import settings
from tests.support.passkeys import World


@pytest.fixture
def world(app, clock):
    """Accounts, passkeys and ceremonies through the identity core, at the frozen time."""
    with app.test_request_context():
        yield World(settings(), clock)


@pytest.fixture
def heard():
    """The passkey signals sent during the test: (event, user_id, details)."""
    got: list[tuple[str, object, dict]] = []
    with contextlib.ExitStack() as listening:
        for name in (audit.PASSKEY_ADDED, audit.PASSKEY_RENAMED, audit.PASSKEY_REMOVED):
            receiver = functools.partial(
                lambda name, sender, **kw: got.append((name, sender, kw)), name
            )
            listening.enter_context(signals.event(name).connected_to(receiver))
        yield got

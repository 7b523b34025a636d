"""Fixtures for the passkey operations of the API: an app with passkeys configured, alice
signed in, a software authenticator."""

from __future__ import annotations

import pytest

from tests.support.authenticator import SoftAuthenticator
from tests.support.passkeys import ORIGIN


@pytest.fixture
def app(make_app):
    return make_app(PUBLIC_URL=ORIGIN)


@pytest.fixture
def alice(api):
    assert api.register().status_code == 201
    assert api.login().status_code == 200
    return api


@pytest.fixture
def device():
    return SoftAuthenticator(ORIGIN)

"""The e-mail features' web tests run on apps whose public address is not the test host."""

from __future__ import annotations

import pytest

from tests.support.email import PUBLIC_URL


@pytest.fixture
def make_app(make_app):
    """The root `make_app`, with PUBLIC_URL set unless a test sets it."""

    def make(**overrides):
        return make_app(**{"PUBLIC_URL": PUBLIC_URL, **overrides})

    return make

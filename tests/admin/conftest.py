"""The admin area's fixtures: an app whose alice is an administrator (second factor not
required unless a test asks), bob a plain user, and a browser signed in as each."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.support.users import add_user
from tests.support.web import csrf_token, signed_in_client


def grant(app, name: str, role: str = "admin") -> None:
    with app.test_request_context():
        accounts.grant_role(users.find_user(name), role, actor=CLI, settings=settings())


def user_id(app, name: str) -> str:
    with app.app_context():
        return str(users.find_user(name)["_id"])


def fresh(app, name: str) -> dict | None:
    with app.app_context():
        return users.find_user(name)


def act(client, path: str, **data):
    """Post an admin action's form with this browser's CSRF token (read from a page)."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **data})


@pytest.fixture
def admin_app(make_app):
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False)
    add_user(app, "alice")
    add_user(app, "bob")
    grant(app, "alice")
    return app


@pytest.fixture
def admin(admin_app):
    """A browser signed in as alice, an administrator."""
    return signed_in_client(admin_app, "alice")


@pytest.fixture
def bob_browser(admin_app):
    """A browser signed in as bob, from another address and device."""
    return signed_in_client(admin_app, "bob", ip="192.0.2.44", agent="Mozilla/5.0 (iPhone)")

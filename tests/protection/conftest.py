"""Fixtures for the account-protection tests: users made directly, forms posted like a browser."""

from __future__ import annotations

import pytest

from flaskr.identity import users
from tests.conftest import PASSWORD, csrf_token


def add_user(app, username: str = "alice", password: str = PASSWORD, **fields) -> dict:
    """Create a user straight in the store (no registration form, no rate limit)."""
    with app.app_context():
        user = users.create_user(username, password, app.config["BCRYPT_ROUNDS"])
        if fields:
            from flaskr.db import get_db

            get_db().users.update_one({"_id": user["_id"]}, {"$set": fields})
        return user


def post_login(client, username: str, password: str, ip: str = "198.51.100.7", **data):
    """Post the sign-in form from address `ip`, CSRF token read from the page first."""
    env = {"REMOTE_ADDR": ip}
    token = csrf_token(client)
    form = {"username": username, "password": password, "csrf_token": token, **data}
    return client.post("/auth/login", data=form, environ_base=env)


@pytest.fixture
def alice(app):
    return add_user(app)


def database(app):
    """`app`'s database through its own client (mongomock keeps one store per client)."""
    with app.app_context():
        from flaskr.db import get_db

        return get_db()


FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def signed_in_client(app, username: str = "alice", password: str = PASSWORD, **kw):
    """A new browser (its own cookies, address and user agent) signed in as `username`."""
    ip = kw.pop("ip", "198.51.100.7")
    agent = kw.pop("agent", FIREFOX)
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": ip, "HTTP_USER_AGENT": agent})
    response = post_login(client, username, password, ip=ip, **kw)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def form_token(client, path: str = "/account") -> str:
    return csrf_token(client, path)

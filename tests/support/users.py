"""The user factory: accounts made straight in the store, without a form or a rate limit, and
sign-ins from other devices, at any time, through the sign-in flow itself."""

from __future__ import annotations

from datetime import datetime

from flaskr.identity import clock, signin, users
from flaskr.identity.audit import Actor
from flaskr.identity.settings import Settings

from .web import PASSWORD


def add_user(app, username: str = "alice", password: str = PASSWORD) -> dict:
    """Create a user straight in the store (no registration form, no rate limit)."""
    with app.app_context():
        return users.create_user(username, password, app.config["BCRYPT_ROUNDS"])


def sign_in_elsewhere(
    app,
    username: str,
    *,
    ip: str,
    agent: str,
    password: str = PASSWORD,
    remember: bool = False,
    at: datetime | None = None,
):
    """Sign in (or fail to) as `username` from another device, as if at time `at`: a session
    and an audit event on the account page and the user page. Returns the flow's outcome."""
    with app.app_context():
        if at is not None:
            clock.use(clock.Frozen(at))
        try:
            return signin.begin(
                username,
                password,
                remember=remember,
                actor=Actor.self(ip, agent),
                settings=Settings.from_config(app.config),
            )
        finally:
            if at is not None:
                clock.use(None)

"""The user factory: accounts made straight in the store, without a form or a rate limit."""

from __future__ import annotations

from flaskr.identity import users

from .web import PASSWORD


def add_user(app, username: str = "alice", password: str = PASSWORD) -> dict:
    """Create a user straight in the store (no registration form, no rate limit)."""
    with app.app_context():
        return users.create_user(username, password, app.config["BCRYPT_ROUNDS"])

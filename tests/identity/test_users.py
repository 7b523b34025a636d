"""The user store's rules, called directly as the forms, the API and the CLI call them."""

from __future__ import annotations

import pytest
from bson import ObjectId

from flaskr.config import DEFAULTS
from flaskr.identity import users
from flaskr.identity.policy import Policy
from tests.support.web import PASSWORD

POLICY = Policy.from_config(DEFAULTS)


def authenticate(username: str, password: str, rounds: int):
    """The user if `password` is theirs and they may sign in, else None: the sign-in check."""
    user = users.sign_in_candidate(username, POLICY)
    return user if users.password_matches(user, password, rounds) else None


@pytest.mark.parametrize(
    "typed, key",
    [
        ("Alice", "alice"),
        ("ALICE", "alice"),
        ("\uff21lice", "alice"),  # fullwidth A
        ("Straße", "strasse"),
        ("ﬁsh", "fish"),  # the fi ligature
        ("①②③", "l23"),  # and 1 looks like l (tests/identity/test_lookalike_names.py)
    ],
)
def test_username_key(typed, key):
    assert users.username_key(typed) == key


def test_username_key_is_stable():
    for name in ("Alice", "Straße", "ﬁsh", "İstanbul", "ǅemal"):
        key = users.username_key(name)
        assert users.username_key(key) == key


@pytest.mark.db
def test_create_and_find(app):
    with app.app_context():
        created = users.create_user("Alice", PASSWORD, 4)
        found = users.find_user("ALICE")
        assert found["_id"] == created["_id"]
        assert users.find_user_by_id(created["_id"])["username"] == "Alice"
        assert users.find_user("bob") is None
        assert users.find_user_by_id(ObjectId()) is None
        with pytest.raises(users.UsernameTaken):
            users.create_user("alice", PASSWORD, 4)


@pytest.mark.parametrize("value", [{"$ne": None}, ["alice"], 1, None])
def test_find_user_accepts_only_strings(app, value):
    with app.app_context(), pytest.raises(TypeError):
        users.find_user(value)


def test_authenticate(app):
    with app.app_context():
        users.create_user("alice", PASSWORD, 4)
        assert authenticate("Alice", PASSWORD, 4)["username"] == "alice"
        assert authenticate("alice", PASSWORD + "x", 4) is None
        assert authenticate("nobody", PASSWORD, 4) is None
        assert authenticate("no", PASSWORD, 4) is None


def test_set_password_and_delete_for_missing_user(app):
    with app.app_context():
        assert users.set_password(ObjectId(), PASSWORD, 4) is False
        assert users.delete_user(ObjectId()) is False


def test_set_password(app):
    with app.app_context():
        user = users.create_user("alice", PASSWORD, 4)
        assert users.set_password(user["_id"], "a-new-pass-phrase", 4) is True
        assert authenticate("alice", PASSWORD, 4) is None
        assert authenticate("alice", "a-new-pass-phrase", 4) is not None

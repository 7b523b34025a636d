"""Passkeys renamed and removed through the one door, and what each change leaves: audit
events, signals, the sessions' copy, notices; an account deleted or reset takes its passkeys."""

from __future__ import annotations

import pytest
from bson import ObjectId

from flaskr import messages
from flaskr.identity import accounts, audit, sessions, users
from flaskr.identity.audit import CLI
from tests.support.passkeys import ACTOR, ORIGIN
from tests.support.threads import together
from tests.support.web import PASSWORD


@pytest.fixture
def app(make_app):
    """An app whose passkeys belong to `localhost` (PUBLIC_URL http://localhost:5000)."""
    return make_app(PUBLIC_URL=ORIGIN)


@pytest.mark.db
def test_renaming_and_removing_are_audited_with_their_actor(world, db, heard):
    alice = world.account()
    added = world.add(alice, world.device())
    pid = str(added["_id"])
    renamed = accounts.rename_passkey(alice, pid, "Phone", actor=ACTOR, settings=world.rules)
    assert renamed["name"] == db.passkeys.find_one()["name"] == "Phone"
    removed = accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules)
    assert removed["_id"] == added["_id"]
    assert db.passkeys.count_documents({}) == 0
    assert [(name, details["passkey"]) for name, _, details in heard] == [
        (audit.PASSKEY_ADDED, "Laptop"),
        (audit.PASSKEY_RENAMED, "Phone"),
        (audit.PASSKEY_REMOVED, "Phone"),
    ]
    stored = {(e["event"], e["actor"]) for e in db.auth_events.find({"user_id": alice["_id"]})}
    assert {
        ("passkey_added", "self"),
        ("passkey_renamed", "self"),
        ("passkey_removed", "self"),
    } <= stored
    # Removed once: a second removal finds nothing and announces nothing.
    assert accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules) is None
    assert len(heard) == 3


# A race means something only on a server: mongomock is not atomic between threads.
@pytest.mark.realdb
def test_of_two_removals_at_once_one_removes_and_is_announced(app, world, db, heard):
    """The delete's own count decides (SecantusDB may give both a stale before-image)."""
    alice = world.account()
    pid = str(world.add(alice, world.device())["_id"])

    def remove():
        return accounts.remove_passkey(alice, pid, actor=ACTOR, settings=world.rules)

    for _ in range(5):
        removed = together(*[remove] * 6, app=app)
        assert sum(r is not None for r in removed) == 1, removed
        assert [name for name, _, _ in heard].count(audit.PASSKEY_REMOVED) == 1
        assert db.auth_events.count_documents({"event": "passkey_removed"}) == 1
        heard.clear()
        db.auth_events.delete_many({"event": "passkey_removed"})
        pid = str(world.add(alice, world.device())["_id"])


@pytest.mark.parametrize("passkey_id", ["not-an-id", "", str(ObjectId())])
def test_no_such_passkey_changes_nothing(world, passkey_id, heard):
    alice = world.account()
    world.add(alice, world.device())
    assert (
        accounts.rename_passkey(alice, passkey_id, "x", actor=ACTOR, settings=world.rules) is None
    )
    assert accounts.remove_passkey(alice, passkey_id, actor=ACTOR, settings=world.rules) is None
    assert [name for name, _, _ in heard] == [audit.PASSKEY_ADDED]


def test_nobody_changes_another_accounts_passkey(world, db):
    alice, bob = world.account(), world.account("bob")
    pid = str(world.add(alice, world.device())["_id"])
    assert accounts.rename_passkey(bob, pid, "mine now", actor=ACTOR, settings=world.rules) is None
    assert accounts.remove_passkey(bob, pid, actor=ACTOR, settings=world.rules) is None
    assert db.passkeys.find_one()["name"] == "Laptop"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "new\nline"])
def test_a_rename_keeps_the_name_rules(world, db, name):
    alice = world.account()
    pid = str(world.add(alice, world.device())["_id"])
    with pytest.raises(accounts.Invalid):
        accounts.rename_passkey(alice, pid, name, actor=ACTOR, settings=world.rules)
    assert db.passkeys.find_one()["name"] == "Laptop"


@pytest.mark.db
def test_sessions_carry_how_many_passkeys_the_account_has(world, db):
    alice = world.account()
    session = world.session_of(alice)
    assert session["passkeys"] == 0
    added = world.add(alice, world.device())
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 1
    accounts.remove_passkey(alice, str(added["_id"]), actor=ACTOR, settings=world.rules)
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 0


@pytest.mark.db
def test_deleting_the_account_deletes_its_passkeys(world, db):
    alice, bob = world.account(), world.account("bob")
    world.add(alice, world.device())
    world.add(bob, world.device())
    accounts.delete_account(alice, actor=ACTOR, settings=world.rules)
    assert [p["user_id"] for p in db.passkeys.find()] == [bob["_id"]]


@pytest.mark.db
def test_an_administrators_reset_removes_the_passkeys_too(world, db):
    alice = world.account()
    world.add(alice, world.device())
    session = world.session_of(alice)
    assert accounts.reset_two_factor(alice, actor=CLI, settings=world.rules)
    assert db.passkeys.count_documents({}) == 0
    assert db.sessions.find_one({"_id": session["_id"]})["passkeys"] == 0
    assert db.auth_events.find_one({"event": "two_factor_reset"})["actor"] == "cli"
    assert not accounts.reset_two_factor(alice, actor=CLI, settings=world.rules)
    assert sessions.two_factor_summary(alice)["passkeys"] == 0


@pytest.mark.db
def test_a_passkey_added_or_removed_is_told_to_the_confirmed_address(app, world, db):
    """The notices answer the door's signals (mail/notices.py), naming the passkey."""
    alice = accounts.create_account(
        "alice", PASSWORD, email="alice@example.com", actor=ACTOR, settings=world.rules
    )
    users.confirm_email(alice["_id"], "alice@example.com")
    added = world.add(alice, world.device(), name="Work laptop")
    accounts.remove_passkey(alice, str(added["_id"]), actor=ACTOR, settings=world.rules)
    kinds = {"$in": ["passkey_added", "passkey_removed", "passkey_renamed"]}
    told = {m["kind"]: m for m in db.outbox.find({"to": "alice@example.com", "kind": kinds})}
    assert set(told) == {"passkey_added", "passkey_removed"}
    for kind, notice in told.items():
        assert notice["subject"] == str(messages.NOTICES[kind][0])
        assert "“Work laptop”" in notice["text"] and "alice" in notice["text"]
        assert ACTOR.ip in notice["text"]
    # A rename is no security event: no notice.
    again = world.add(alice, world.device())
    accounts.rename_passkey(alice, str(again["_id"]), "Phone", actor=ACTOR, settings=world.rules)
    assert db.outbox.count_documents({"kind": kinds}) == 3

"""Roles in the one door: granted and revoked, audited with the role and the actor, announced;
and no change (revoke, disable, delete) leaves the service without an active administrator."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, admins, audit, clock, signals, users
from flaskr.identity.audit import CLI, Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD

ADMIN_ALICE = Actor("admin:alice", "203.0.113.9", "Mozilla/5.0 Firefox/128.0")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield settings()


def make(name, rules, *roles):
    user = accounts.create_account(name, PASSWORD, actor=CLI, settings=rules)
    for role in roles:
        assert accounts.grant_role(user, role, actor=CLI, settings=rules)
    return user


def fresh(user):
    return users.find_user_by_id(user["_id"])


def active_admins():
    return users.count_active_admins()


@pytest.mark.db
def test_grant_and_revoke_are_stored_audited_and_announced(ctx):
    heard = []

    def hear(sender, **details):
        heard.append((sender, details["role"], details["actor"].name))

    for name in (audit.ROLE_GRANTED, audit.ROLE_REVOKED):
        signals.event(name).connect(hear)
    try:
        bob = make("bob", ctx)
        assert accounts.grant_role(bob, "editor", actor=ADMIN_ALICE, settings=ctx)
        assert not accounts.grant_role(bob, "editor", actor=ADMIN_ALICE, settings=ctx)
        assert users.roles(fresh(bob)) == ["editor"]
        assert accounts.revoke_role(bob, "editor", actor=ADMIN_ALICE, settings=ctx)
        assert not accounts.revoke_role(bob, "editor", actor=ADMIN_ALICE, settings=ctx)
        assert users.roles(fresh(bob)) == []
    finally:
        for name in (audit.ROLE_GRANTED, audit.ROLE_REVOKED):
            signals.event(name).disconnect(hear)
    assert heard == [(bob["_id"], "editor", "admin:alice")] * 2
    events = audit.recent(bob["_id"], now=clock.now())
    roles = [e for e in events if e["event"].startswith("role_")]
    stored = sorted((e["event"], e["actor"], e["details"]["role"]) for e in roles)
    assert stored == [
        ("role_granted", "admin:alice", "editor"),
        ("role_revoked", "admin:alice", "editor"),
    ]


@pytest.mark.db
@pytest.mark.parametrize("role", ["", "Admin", "1admin", "a" * 33, "ad min", "admin\n", "é"])
def test_a_role_is_a_plain_lower_case_name(ctx, role):
    bob = make("bob", ctx)
    for change in (accounts.grant_role, accounts.revoke_role):
        with pytest.raises(accounts.Invalid) as refused:
            change(bob, role, actor=CLI, settings=ctx)
        assert list(refused.value.fields) == ["role"]
    assert users.roles(fresh(bob)) == []


@pytest.mark.db
def test_the_role_cannot_be_a_query(ctx):
    bob = make("bob", ctx, "admin")
    with pytest.raises(accounts.Invalid):
        accounts.revoke_role(bob, {"$ne": "x"}, actor=CLI, settings=ctx)
    assert users.roles(fresh(bob)) == ["admin"]


@pytest.mark.db
def test_the_last_admin_keeps_the_role_the_account_and_its_place(ctx):
    alice = make("alice", ctx, "admin")
    for change in (
        lambda: accounts.revoke_role(alice, "admin", actor=CLI, settings=ctx),
        lambda: accounts.disable_account(alice, actor=CLI, settings=ctx),
        lambda: accounts.delete_account(alice, actor=CLI, settings=ctx),
    ):
        with pytest.raises(accounts.LastAdmin):
            change()
        assert users.is_active_admin(fresh(alice))
    assert admins.count() == 1
    events = {e["event"] for e in audit.recent(alice["_id"], now=clock.now())}
    assert events == {"account_created", "role_granted"}


@pytest.mark.db
@pytest.mark.parametrize(
    "departure",
    [
        lambda u, rules: accounts.revoke_role(u, "admin", actor=CLI, settings=rules),
        lambda u, rules: accounts.disable_account(u, actor=CLI, settings=rules),
        lambda u, rules: accounts.delete_account(u, actor=CLI, settings=rules),
    ],
    ids=["revoke", "disable", "delete"],
)
def test_one_of_two_admins_may_go_and_then_the_other_may_not(ctx, departure):
    alice, bob = make("alice", ctx, "admin"), make("bob", ctx, "admin")
    assert admins.count() == 2
    departure(bob, ctx)
    assert (active_admins(), admins.count()) == (1, 1)
    with pytest.raises(accounts.LastAdmin):
        departure(alice, ctx)
    assert users.is_active_admin(fresh(alice))


@pytest.mark.db
def test_a_disabled_admin_does_not_count_and_enabling_counts_again(ctx):
    alice, bob = make("alice", ctx, "admin"), make("bob", ctx, "admin")
    accounts.disable_account(bob, actor=CLI, settings=ctx)
    assert admins.count() == 1
    with pytest.raises(accounts.LastAdmin):
        accounts.revoke_role(alice, "admin", actor=CLI, settings=ctx)
    # A disabled admin is no administrator: taking the role or the account is allowed.
    assert accounts.revoke_role(bob, "admin", actor=CLI, settings=ctx)
    assert accounts.grant_role(bob, "admin", actor=CLI, settings=ctx)
    assert admins.count() == 1
    accounts.enable_account(bob, actor=CLI, settings=ctx)
    assert (active_admins(), admins.count()) == (2, 2)
    accounts.enable_account(bob, actor=CLI, settings=ctx)  # already enabled: counted once
    assert admins.count() == 2
    accounts.disable_account(alice, actor=CLI, settings=ctx)
    assert (active_admins(), admins.count()) == (1, 1)


@pytest.mark.db
def test_other_roles_have_no_last_holder_rule(ctx):
    make("alice", ctx, "admin")
    bob = make("bob", ctx, "editor")
    assert accounts.revoke_role(bob, "editor", actor=CLI, settings=ctx)
    accounts.delete_account(make("carol", ctx, "editor"), actor=CLI, settings=ctx)
    assert admins.count() == 1


@pytest.mark.db
def test_plain_accounts_change_as_before(ctx):
    bob = make("bob", ctx)
    accounts.disable_account(bob, actor=CLI, settings=ctx)
    accounts.enable_account(bob, actor=CLI, settings=ctx)
    accounts.delete_account(bob, actor=CLI, settings=ctx)
    assert users.find_user("bob") is None
    # Changes to an account that is gone change nothing, and count nobody.
    assert not accounts.grant_role(bob, "admin", actor=CLI, settings=ctx)
    assert not accounts.revoke_role(bob, "admin", actor=CLI, settings=ctx)
    assert admins.count() == 0


@pytest.mark.db
def test_a_count_left_low_by_a_crash_refuses_more_and_repair_recounts(ctx, db):
    alice, bob = make("alice", ctx, "admin"), make("bob", ctx, "admin")
    # A crash between a departure's two steps: its place taken, the user unchanged.
    db.counters.update_one({"_id": "active_admins"}, {"$inc": {"count": -1}})
    with pytest.raises(accounts.LastAdmin):
        accounts.revoke_role(bob, "admin", actor=CLI, settings=ctx)
    assert admins.repair() == (1, 2)
    accounts.revoke_role(bob, "admin", actor=CLI, settings=ctx)
    with pytest.raises(accounts.LastAdmin):
        accounts.revoke_role(alice, "admin", actor=CLI, settings=ctx)

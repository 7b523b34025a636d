"""The one door: every account change keeps its rule, is audited with its actor, and is
announced by the signal of the same name."""

from __future__ import annotations

import pytest

from flaskr.identity import accounts, audit, sessions, signals, throttle, users
from flaskr.identity.audit import CLI, Actor
from flaskr.web.context import settings
from tests.support.web import PASSWORD

BROWSER = Actor.self("203.0.113.9", "Mozilla/5.0 Firefox/128.0")
# The per-account failure counters (the per-address ones are not the account's).
ACCOUNT_COUNTERS = {"_id": {"$regex": "^user:"}}
NEW_PASSWORD = "quartz-meadow-51-lantern"


@pytest.fixture
def heard():
    """Every account signal sent during the test: (event, user_id, details)."""
    got: list[tuple[str, object, dict]] = []
    names = [
        audit.ACCOUNT_CREATED,
        audit.PASSWORD_CHANGED,
        audit.ACCOUNT_DISABLED,
        audit.ACCOUNT_ENABLED,
        audit.ACCOUNT_UNLOCKED,
        audit.SESSION_REVOKED,
        audit.SIGNED_OUT_EVERYWHERE,
        audit.ACCOUNT_DELETED,
        audit.SIGN_IN,
    ]
    receivers = {}
    for name in names:

        def receive(sender, name=name, **details):
            got.append((name, sender, details))

        receivers[name] = receive
        signals.event(name).connect(receive)
    yield got
    for name, receive in receivers.items():
        signals.event(name).disconnect(receive)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield settings()


def new_account(rules, actor=BROWSER):
    return accounts.create_account("alice", PASSWORD, actor=actor, settings=rules)


def stored_events(user_id):
    """The account's stored events with their actors (several may share one millisecond)."""
    return {(e["event"], e["actor"]) for e in audit.recent(user_id, now=audit_now())}


def audit_now():
    from flaskr.identity import clock

    return clock.now()


def a_session(user, rules):
    return sessions.create_session(
        user, ip=None, user_agent="", remember=False, now=audit_now(), life=rules.lifetimes
    )[1]


@pytest.mark.db
def test_create_audits_and_announces(ctx, heard):
    user = new_account(ctx)
    assert stored_events(user["_id"]) == {("account_created", "self")}
    [(event, sender, details)] = heard
    assert (event, sender, details["actor"], details["username"]) == (
        "account_created",
        user["_id"],
        BROWSER,
        "alice",
    )


@pytest.mark.db
def test_create_refuses_what_the_policy_refuses(ctx, heard):
    with pytest.raises(accounts.Invalid) as refused:
        accounts.create_account("a", "password", actor=CLI, settings=ctx)
    assert set(refused.value.fields) == {"username", "password"}
    assert users.find_user("a") is None
    assert heard == []


@pytest.mark.db
def test_change_password_ends_other_sessions_and_lifts_the_lockout(ctx, heard, db):
    user = new_account(ctx)
    keep, other = a_session(user, ctx), a_session(user, ctx)
    key = users.username_key("alice")
    budget = throttle.Budget.of(key, None, ctx.limits)
    throttle.reserve(budget, now=audit_now(), limits=ctx.limits)
    throttle.record_failure(budget, now=audit_now(), limits=ctx.limits)
    assert db.login_failures.count_documents(ACCOUNT_COUNTERS) == 1
    ended = accounts.change_password(user, NEW_PASSWORD, actor=CLI, settings=ctx, keep=keep["_id"])
    assert ended == 1
    assert [s["_id"] for s in sessions.list_sessions(user["_id"], now=audit_now())] == [keep["_id"]]
    assert other["_id"] != keep["_id"]
    assert db.login_failures.count_documents(ACCOUNT_COUNTERS) == 0
    assert users.password_matches(users.find_user("alice"), NEW_PASSWORD, ctx.rounds)
    assert ("password_changed", "cli") in stored_events(user["_id"])
    assert heard[-1][0] == "password_changed"
    assert heard[-1][2]["sessions_ended"] == 1


@pytest.mark.db
def test_change_password_refuses_a_weak_one(ctx):
    user = new_account(ctx)
    with pytest.raises(accounts.Invalid) as refused:
        accounts.change_password(user, "alice123", actor=CLI, settings=ctx)
    assert list(refused.value.fields) == ["password"]
    assert users.password_matches(users.find_user("alice"), PASSWORD, ctx.rounds)


@pytest.mark.db
def test_disable_ends_every_session_and_enable_lifts_the_lockout(ctx, heard, db):
    user = new_account(ctx)
    a_session(user, ctx)
    a_session(user, ctx)
    assert accounts.disable_account(user, actor=CLI, settings=ctx) == 2
    assert sessions.list_sessions(user["_id"], now=audit_now()) == []
    assert users.find_user("alice")["disabled"] is True
    key = users.username_key("alice")
    budget = throttle.Budget.of(key, None, ctx.limits)
    throttle.reserve(budget, now=audit_now(), limits=ctx.limits)
    throttle.record_failure(budget, now=audit_now(), limits=ctx.limits)
    accounts.enable_account(user, actor=CLI, settings=ctx)
    assert "disabled" not in users.find_user("alice")
    assert db.login_failures.count_documents(ACCOUNT_COUNTERS) == 0
    assert {("account_enabled", "cli"), ("account_disabled", "cli")} <= stored_events(user["_id"])
    assert [h[0] for h in heard][-2:] == ["account_disabled", "account_enabled"]


@pytest.mark.db
def test_unlock_is_audited(ctx, heard):
    user = new_account(ctx)
    accounts.unlock_account(user, actor=CLI, settings=ctx)
    assert ("account_unlocked", "cli") in stored_events(user["_id"])
    assert heard[-1][0] == "account_unlocked"


@pytest.mark.db
def test_ending_sessions_one_or_all_others(ctx, heard):
    user = new_account(ctx)
    first, second, third = (a_session(user, ctx) for _ in range(3))
    assert accounts.end_session(user, second["_id"], actor=BROWSER, settings=ctx)
    # Someone else's session, or one already ended: nothing happens, nothing is announced.
    stranger = {"_id": "someone-else", "username": "mallory"}
    assert not accounts.end_session(stranger, first["_id"], actor=BROWSER, settings=ctx)
    assert not accounts.end_session(user, second["_id"], actor=BROWSER, settings=ctx)
    assert accounts.end_other_sessions(user, first["_id"], actor=BROWSER, settings=ctx) == 1
    left = sessions.list_sessions(user["_id"], now=audit_now())
    assert [s["_id"] for s in left] == [first["_id"]]
    assert third["_id"] not in [s["_id"] for s in left]
    assert [h[0] for h in heard][-2:] == ["session_revoked", "signed_out_everywhere"]


@pytest.mark.db
def test_delete_removes_everything_and_is_logged_not_stored(ctx, heard, caplog):
    user = new_account(ctx)
    a_session(user, ctx)
    with caplog.at_level("INFO", logger="flaskr.audit"):
        assert accounts.delete_account(user, actor=CLI, settings=ctx) == 1
    assert users.find_user("alice") is None
    assert stored_events(user["_id"]) == set()
    assert [r.actor for r in caplog.records if r.event == "account_deleted"] == ["cli"]
    assert heard[-1][:2] == ("account_deleted", user["_id"])

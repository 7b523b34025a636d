"""The one door's e-mail changes: an address counts once confirmed, one account per confirmed
address (a unique partial index), and every change kills the links it makes stale."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError

from flaskr.identity import accounts, audit, clock, sessions, throttle, tokens, users
from flaskr.web.context import settings
from tests.support.email import BROWSER, NEW_PASSWORD, add_user
from tests.support.threads import together
from tests.support.web import PASSWORD

LIVE = {"used": False}


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield settings()


def live_tokens(db, purpose):
    return list(db.link_tokens.find({**LIVE, "purpose": purpose}))


def events(user_id):
    return [e["event"] for e in audit.recent(user_id, now=clock.now())]


@pytest.mark.db
def test_a_new_account_s_address_waits_for_its_confirmation(ctx, db):
    user = accounts.create_account(
        "alice", PASSWORD, email=" Alice@Example.COM", actor=BROWSER, settings=ctx
    )
    stored = db.users.find_one({"_id": user["_id"]})
    assert (stored["pending_email"], stored["pending_email_key"]) == (
        "Alice@Example.COM",
        "alice@example.com",
    )
    assert "email" not in stored and "email_key" not in stored
    [link] = live_tokens(db, tokens.CONFIRM_EMAIL)
    assert (link["user_id"], link["address"]) == (user["_id"], "Alice@Example.COM")
    assert link["expires_at"] - link["created_at"] == ctx.confirm_lifetime


@pytest.mark.db
def test_email_required_and_invalid_addresses_are_refused(make_app):
    app = make_app(EMAIL_REQUIRED=True)
    with app.test_request_context():
        rules = settings()
        with pytest.raises(accounts.Invalid) as e:
            accounts.create_account("alice", PASSWORD, actor=BROWSER, settings=rules)
        assert set(e.value.fields) == {"email"}
        with pytest.raises(accounts.Invalid):
            accounts.create_account(
                "alice", PASSWORD, email="alice@", actor=BROWSER, settings=rules
            )


@pytest.mark.db
def test_the_unique_index_holds_only_confirmed_addresses(ctx, db):
    index = db.users.index_information()["email_key_unique_confirmed"]
    assert index["unique"] is True
    assert dict(index["partialFilterExpression"]) == {"email_key": {"$type": "string"}}
    # Any number of accounts without an address, or waiting for the same one.
    for name in ("bob", "carol"):
        users.create_user(name, PASSWORD, 4, email="shared@example.com")
    users.create_user("dave", PASSWORD, 4)
    db.users.insert_one({"username_key": "x1", "email_key": "taken@example.com"})
    with pytest.raises(DuplicateKeyError):
        db.users.insert_one({"username_key": "x2", "email_key": "taken@example.com"})


@pytest.mark.db
def test_the_first_confirmation_wins_the_second_is_email_taken(ctx, db):
    for name in ("bob", "carol"):
        accounts.create_account(
            name, PASSWORD, email="Shared@example.com", actor=BROWSER, settings=ctx
        )
    # Both were sent a link (only hashes are stored: confirm through the user store).
    assert len(live_tokens(db, tokens.CONFIRM_EMAIL)) == 2
    users.confirm_email(users.find_user("bob")["_id"], "shared@example.com")
    with pytest.raises(users.EmailTaken):
        users.confirm_email(users.find_user("carol")["_id"], "SHARED@example.com")
    assert users.find_by_email("shared@EXAMPLE.com")["username"] == "bob"


@pytest.mark.db
def test_an_address_another_account_has_tells_its_owner_not_the_asker(app, ctx, db):
    owner = add_user(app, "bob", "bob@example.com")
    alice = add_user(app, "alice", None)
    asked = accounts.request_email(alice, "BOB@example.com", actor=BROWSER, settings=ctx)
    assert asked is accounts.Asked.IN_USE
    # The asker's account looks as it would for a free address; no link exists for it.
    assert db.users.find_one({"_id": alice["_id"]})["pending_email"] == "BOB@example.com"
    assert live_tokens(db, tokens.CONFIRM_EMAIL) == []
    assert events(alice["_id"]) == ["email_change_requested"]
    assert events(owner["_id"]) == ["email_claimed"]


@pytest.mark.db
def test_a_change_takes_effect_only_when_confirmed(app, ctx, db):
    alice = add_user(app, "alice", "old@example.com")
    accounts.request_email(alice, "new@example.com", actor=BROWSER, settings=ctx)
    stored = db.users.find_one({"_id": alice["_id"]})
    assert (stored["email"], stored["pending_email"]) == ("old@example.com", "new@example.com")
    assert users.find_by_email("old@example.com")["_id"] == alice["_id"]
    assert users.find_by_email("new@example.com") is None


@pytest.mark.db
def test_a_newer_request_revokes_the_older_confirmation_link(app, ctx, db):
    alice = add_user(app, "alice", None)
    accounts.request_email(alice, "one@example.com", actor=BROWSER, settings=ctx)
    accounts.request_email(alice, "two@example.com", actor=BROWSER, settings=ctx)
    [link] = live_tokens(db, tokens.CONFIRM_EMAIL)
    assert link["address"] == "two@example.com"


@pytest.mark.db
def test_asking_for_one_s_own_confirmed_address_changes_nothing(app, ctx, db):
    alice = add_user(app, "alice", "alice@example.com")
    asked = accounts.request_email(alice, "ALICE@example.com", actor=BROWSER, settings=ctx)
    assert asked is accounts.Asked.UNCHANGED
    assert live_tokens(db, tokens.CONFIRM_EMAIL) == []


@pytest.mark.db
def test_removing_forgets_both_addresses_and_their_links(app, ctx, db):
    alice = add_user(app, "alice", "alice@example.com")
    accounts.request_email(alice, "new@example.com", actor=BROWSER, settings=ctx)
    assert accounts.request_reset(alice, actor=BROWSER, settings=ctx)
    assert accounts.remove_email(alice, actor=BROWSER, settings=ctx) is True
    stored = db.users.find_one({"_id": alice["_id"]})
    assert not {"email", "email_key", "pending_email", "pending_email_key"} & set(stored)
    assert db.link_tokens.count_documents(LIVE) == 0
    assert accounts.remove_email(alice, actor=BROWSER, settings=ctx) is False


@pytest.mark.db
def test_only_a_confirmed_address_gets_a_reset_link(app, ctx, db):
    pending = add_user(app, "alice", "alice@example.com", confirmed=False)
    assert accounts.request_reset(pending, actor=BROWSER, settings=ctx) is False
    confirmed = add_user(app, "bob", "bob@example.com")
    assert accounts.request_reset(confirmed, actor=BROWSER, settings=ctx) is True
    [link] = live_tokens(db, tokens.RESET_PASSWORD)
    assert (link["user_id"], link["address"]) == (confirmed["_id"], "bob@example.com")
    assert link["expires_at"] - link["created_at"] == ctx.reset_lifetime


@pytest.mark.db
def test_a_password_change_revokes_reset_links(app, ctx, db):
    alice = add_user(app, "alice", "alice@example.com")
    accounts.request_reset(alice, actor=BROWSER, settings=ctx)
    accounts.change_password(alice, NEW_PASSWORD, actor=BROWSER, settings=ctx)
    assert live_tokens(db, tokens.RESET_PASSWORD) == []


@pytest.mark.db
def test_a_reset_ends_every_session_kills_other_links_and_lifts_the_lockout(app, ctx, db):
    alice = add_user(app, "alice", "alice@example.com")
    for _ in range(2):
        sessions.create_session(
            alice, ip=None, user_agent="", remember=True, now=clock.now(), life=ctx.lifetimes
        )
    key = users.username_key("alice")
    budget = throttle.Budget.of(key, None, ctx.limits)
    throttle.reserve(budget, now=clock.now(), limits=ctx.limits)
    throttle.record_failure(budget, now=clock.now(), limits=ctx.limits)
    link = tokens.issue(tokens.RESET_PASSWORD, alice["_id"], life=ctx.reset_lifetime)
    other = tokens.issue(tokens.RESET_PASSWORD, alice["_id"], life=ctx.reset_lifetime)
    ended = accounts.reset_password(alice, NEW_PASSWORD, link=link, actor=BROWSER, settings=ctx)
    assert ended == 2
    assert db.sessions.count_documents({}) == 0
    assert db.login_failures.count_documents({"_id": {"$regex": "^user:"}}) == 0
    assert tokens.consume(other, tokens.RESET_PASSWORD) is None
    assert users.password_matches(users.find_user("alice"), NEW_PASSWORD, 4)
    assert events(alice["_id"]) == ["password_reset"]
    # The link is spent: using it again changes nothing.
    again = accounts.reset_password(alice, PASSWORD, link=link, actor=BROWSER, settings=ctx)
    assert again is None
    assert users.password_matches(users.find_user("alice"), NEW_PASSWORD, 4)


@pytest.mark.db
def test_a_weak_password_leaves_the_reset_link_usable(app, ctx):
    alice = add_user(app, "alice", "alice@example.com")
    link = tokens.issue(tokens.RESET_PASSWORD, alice["_id"], life=ctx.reset_lifetime)
    with pytest.raises(accounts.Invalid):
        accounts.reset_password(alice, "password", link=link, actor=BROWSER, settings=ctx)
    assert tokens.peek(link, tokens.RESET_PASSWORD) is not None


@pytest.mark.db
def test_confirming_revokes_reset_links_sent_to_the_old_address(app, ctx, db):
    alice = add_user(app, "alice", "old@example.com")
    accounts.request_reset(alice, actor=BROWSER, settings=ctx)
    link = tokens.issue(
        tokens.CONFIRM_EMAIL, alice["_id"], life=ctx.confirm_lifetime, address="new@example.com"
    )
    users.set_pending_email(alice["_id"], "new@example.com")
    before = accounts.confirm_email(link, actor=BROWSER, settings=ctx)
    assert before["email"] == "old@example.com"
    assert users.find_by_email("new@example.com")["_id"] == alice["_id"]
    assert live_tokens(db, tokens.RESET_PASSWORD) == []
    assert accounts.confirm_email(link, actor=BROWSER, settings=ctx) is None


@pytest.mark.db
def test_deleting_the_account_deletes_its_links(app, ctx, db):
    alice = add_user(app, "alice", "alice@example.com")
    accounts.request_reset(alice, actor=BROWSER, settings=ctx)
    accounts.delete_account(alice, actor=BROWSER, settings=ctx)
    assert db.link_tokens.count_documents({}) == 0


@pytest.mark.realdb
def test_confirming_and_removing_at_once_each_answer_what_its_change_replaced(app, db):
    """Each call's answer is the document its own change applied to, never an older image:
    either the removal came first (nothing left to confirm) or it removed the new address."""
    user_id = db.users.insert_one({"username": "bob", "username_key": "bob"}).inserted_id
    for _ in range(40):
        db.users.update_one(
            {"_id": user_id},
            {
                "$set": {
                    "email": "old@example.com",
                    "email_key": "old@example.com",
                    "pending_email": "new@example.com",
                    "pending_email_key": "new@example.com",
                }
            },
        )
        confirmed, removed = together(
            lambda: users.confirm_email(user_id, "new@example.com"),
            lambda: users.remove_email(user_id),
            app=app,
        )
        assert removed is not None
        if confirmed is None:
            assert (removed["email"], removed["pending_email"]) == (
                "old@example.com",
                "new@example.com",
            )
        else:
            assert confirmed["email"] == "old@example.com"
            assert removed["email"] == "new@example.com"
            assert "pending_email" not in removed
        assert "email" not in db.users.find_one({"_id": user_id})

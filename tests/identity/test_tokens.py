"""Link tokens: only their hash is stored, each is used once (atomically), revocable, and
valid only until it expires."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from bson import ObjectId

from flaskr.identity import tokens

HOUR = timedelta(hours=1)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.mark.db
def test_only_the_hash_is_stored_with_purpose_account_address_and_expiry(ctx, db, clock):
    user_id = ObjectId()
    token = tokens.issue(tokens.CONFIRM_EMAIL, user_id, life=HOUR, address="a@example.com")
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    [record] = db.link_tokens.find()
    assert record["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(record)
    assert record["purpose"] == tokens.CONFIRM_EMAIL
    assert (record["user_id"], record["address"], record["used"]) == (
        user_id,
        "a@example.com",
        False,
    )
    assert record["expires_at"] == clock.at + HOUR
    ttl = db.link_tokens.index_information()["expires_at_ttl"]
    assert ttl["expireAfterSeconds"] == 0


@pytest.mark.db
def test_a_token_is_used_once(ctx):
    user_id = ObjectId()
    token = tokens.issue(tokens.RESET_PASSWORD, user_id, life=HOUR)
    assert tokens.peek(token, tokens.RESET_PASSWORD)["user_id"] == user_id
    assert tokens.consume(token, tokens.RESET_PASSWORD)["user_id"] == user_id
    assert tokens.consume(token, tokens.RESET_PASSWORD) is None
    assert tokens.peek(token, tokens.RESET_PASSWORD) is None


# A race means something only on a server: mongomock is not atomic between threads.
@pytest.mark.realdb
def test_two_threads_cannot_both_use_a_token(app):
    with app.app_context():
        token = tokens.issue(tokens.RESET_PASSWORD, ObjectId(), life=HOUR)
    results, start = [], threading.Barrier(8)

    def use():
        with app.app_context():
            start.wait()
            results.append(tokens.consume(token, tokens.RESET_PASSWORD))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1


@pytest.mark.db
def test_an_expired_token_is_refused_before_the_sweep(ctx, db, clock):
    token = tokens.issue(tokens.RESET_PASSWORD, ObjectId(), life=HOUR)
    clock.advance(minutes=59)
    assert tokens.peek(token, tokens.RESET_PASSWORD) is not None
    clock.advance(minutes=1)
    assert tokens.peek(token, tokens.RESET_PASSWORD) is None
    assert tokens.consume(token, tokens.RESET_PASSWORD) is None


@pytest.mark.db
def test_revoking_kills_every_live_token_of_the_purpose_for_the_account(ctx):
    mine, other = ObjectId(), ObjectId()
    old = [tokens.issue(tokens.RESET_PASSWORD, mine, life=HOUR) for _ in range(2)]
    confirm = tokens.issue(tokens.CONFIRM_EMAIL, mine, life=HOUR, address="a@example.com")
    theirs = tokens.issue(tokens.RESET_PASSWORD, other, life=HOUR)
    assert tokens.revoke(mine, tokens.RESET_PASSWORD) == 2
    assert all(tokens.consume(t, tokens.RESET_PASSWORD) is None for t in old)
    assert tokens.consume(confirm, tokens.CONFIRM_EMAIL) is not None
    assert tokens.consume(theirs, tokens.RESET_PASSWORD) is not None


@pytest.mark.db
def test_a_token_works_only_for_its_purpose_and_account(ctx):
    user_id = ObjectId()
    token = tokens.issue(tokens.CONFIRM_EMAIL, user_id, life=HOUR, address="a@example.com")
    assert tokens.consume(token, tokens.RESET_PASSWORD) is None
    assert tokens.consume(token, tokens.CONFIRM_EMAIL, ObjectId()) is None
    assert tokens.consume(token, tokens.CONFIRM_EMAIL, user_id) is not None


@pytest.mark.parametrize("token", [None, "", {"$ne": None}, ["x"], 42])
def test_anything_but_a_string_finds_nothing(ctx, token):
    assert tokens.peek(token, tokens.RESET_PASSWORD) is None
    assert tokens.consume(token, tokens.RESET_PASSWORD) is None

"""The outbox store: what enqueue writes, claims with a lease, and the claim-guarded updates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flaskr.db import get_db
from flaskr.mail import outbox

pytestmark = pytest.mark.db
LEASE = timedelta(minutes=5)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def queue(n: int = 1, **fields) -> list:
    base = {"to": "alice@example.test", "subject": "Hello", "text": "Hi", "kind": "test"}
    return [outbox.enqueue(**{**base, **fields}) for _ in range(n)]


def stored(message_id):
    return get_db()[outbox.COLLECTION].find_one({"_id": message_id})


def test_enqueue_stores_a_queued_message_due_now(ctx, clock):
    (message_id,) = queue(html="<p>Hi</p>", user_id="u1")
    doc = stored(message_id)
    assert doc["to"] == "alice@example.test"
    assert (doc["subject"], doc["text"], doc["html"]) == ("Hello", "Hi", "<p>Hi</p>")
    assert (doc["kind"], doc["user_id"]) == ("test", "u1")
    assert doc["status"] == outbox.QUEUED
    assert doc["attempts"] == 0
    assert doc["created_at"] == doc["next_attempt_at"] == clock.at
    assert doc["lease_until"] is doc["claim"] is doc["last_error"] is doc["expires_at"] is None


def test_claims_the_oldest_due_message_and_holds_it_for_the_lease(ctx, clock):
    first = queue()[0]
    clock.advance(seconds=1)
    second = queue()[0]
    claimed = outbox.claim(LEASE)
    assert claimed["_id"] == first
    assert claimed["attempts"] == 1
    assert claimed["lease_until"] == clock.at + LEASE
    assert claimed["claim"]
    # Leased: the next claim gets the other message, then nothing.
    assert outbox.claim(LEASE)["_id"] == second
    assert outbox.claim(LEASE) is None


def test_a_message_whose_sender_died_is_claimed_again_when_the_lease_ends(ctx, clock):
    queue()
    abandoned = outbox.claim(LEASE)
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert outbox.claim(LEASE) is None
    clock.advance(seconds=1)
    again = outbox.claim(LEASE)
    assert again["_id"] == abandoned["_id"]
    assert again["attempts"] == 2
    assert again["claim"] != abandoned["claim"]
    # The first sender comes back too late: its claim no longer counts.
    assert not outbox.mark_sent(abandoned)
    assert stored(again["_id"])["status"] == outbox.QUEUED
    assert outbox.mark_sent(again)


def test_a_future_message_is_not_due(ctx, clock):
    queue()
    message = outbox.claim(LEASE)
    assert outbox.retry_later(message, "451 later", clock.at + timedelta(minutes=1))
    assert outbox.claim(LEASE) is None
    clock.advance(minutes=1)
    assert outbox.claim(LEASE)["last_error"] == "451 later"


def test_sent_and_failed_messages_lose_their_body_and_expire(ctx, clock):
    sent_id, failed_id = queue(2, html="<a href='https://x.test/reset/t'>reset</a>")
    assert outbox.mark_sent(outbox.claim(LEASE))
    assert outbox.mark_failed(outbox.claim(LEASE), "550 no such user")
    sent, failed = stored(sent_id), stored(failed_id)
    assert (sent["status"], sent["sent_at"]) == (outbox.SENT, clock.at)
    assert (failed["status"], failed["failed_at"]) == (outbox.FAILED, clock.at)
    assert failed["last_error"] == "550 no such user"
    for doc in (sent, failed):
        assert doc["text"] is doc["html"] is doc["claim"] is doc["lease_until"] is None
        assert doc["expires_at"] == clock.at + outbox.KEEP
    # Finished messages are never claimed again.
    clock.advance(days=1)
    assert outbox.claim(LEASE) is None


def test_counts_and_recent_failures(ctx, clock):
    queue(6)
    outbox.mark_sent(outbox.claim(LEASE))
    outbox.mark_failed(outbox.claim(LEASE), "550 first")
    clock.advance(seconds=1)
    outbox.mark_failed(outbox.claim(LEASE), "550 second")
    outbox.retry_later(outbox.claim(LEASE), "451", clock.at + timedelta(minutes=1))
    outbox.claim(LEASE)  # being sent
    assert outbox.counts() == {"queued": 3, "sent": 1, "failed": 2, "sending": 1, "retrying": 1}
    assert [m["last_error"] for m in outbox.recent_failures()] == ["550 second", "550 first"]
    assert "text" not in outbox.recent_failures()[0]


def test_the_indexes_serve_the_claim_and_sweep_finished_messages(app, db):
    with app.app_context():
        queue()  # the app makes its indexes on first use
    indexes = db[outbox.COLLECTION].index_information()
    assert indexes["status_next_attempt"]["key"] == [("status", 1), ("next_attempt_at", 1)]
    assert indexes["expires_at_ttl"]["expireAfterSeconds"] == 0


@pytest.mark.realdb
def test_every_outbox_write_is_journaled(backend, app, command_log, clock):
    with app.app_context():
        queue(2)
        outbox.mark_sent(outbox.claim(LEASE))
        outbox.retry_later(outbox.claim(LEASE), "451", clock.at)
    writes = [c for c in command_log.seen if c[1] == outbox.COLLECTION and c[0] != "createIndexes"]
    assert {name for name, _, _ in writes} == {"insert", "findAndModify", "update"}
    assert all(concern == {"w": "majority", "j": True} for _, _, concern in writes)

"""The outbox: messages waiting for the sender, kept in MongoDB so that none is lost.

A request only inserts a message (journaled, like accounts) and returns; it never talks to
an SMTP server. `flask mail send` delivers (sender.py). Each document:
`{_id, to, subject, text, html, kind, user_id, created_at, status, attempts,
next_attempt_at, lease_until, claim, last_error, sent_at, failed_at, expires_at}`; status is
"queued", "sent" or "failed".

A sender claims one due message at a time with one atomic `find_one_and_update` that moves
its `next_attempt_at` to the end of a lease: no other sender sees it until the lease ends,
and a sender that dies mid-send only delays it. Every later write names the claim, so a
sender whose lease ran out cannot overwrite what another one recorded.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from ..db import Index, collection
from ..identity import clock

COLLECTION = "outbox"
QUEUED, SENT, FAILED = "queued", "sent", "failed"
# A delivered or failed message is kept this long for `flask mail status`, without its body.
KEEP = timedelta(days=30)

INDEXES = [
    # The sender's query: the next queued message whose time has come and whose lease is free.
    Index(COLLECTION, [("status", 1), ("next_attempt_at", 1)], name="status_next_attempt"),
    # Only sweeps finished messages away; nothing reads expires_at.
    Index(COLLECTION, [("expires_at", 1)], name="expires_at_ttl", expireAfterSeconds=0),
]


def _outbox() -> Any:
    return collection(COLLECTION, durable=True)


def enqueue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str,
    user_id: Any = None,
) -> ObjectId:
    """Queue one message to `to`; `kind` names what it is ("reset", "confirm", a notice)."""
    now = clock.now()
    doc = {
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "kind": kind,
        "user_id": user_id,
        "created_at": now,
        "status": QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "claim": None,
        "last_error": None,
        "sent_at": None,
        "failed_at": None,
        "expires_at": None,
    }
    return _outbox().insert_one(doc).inserted_id


def claim(lease: timedelta) -> dict[str, Any] | None:
    """Take the message that has waited longest, for `lease`; None when nothing is due."""
    now = clock.now()
    until = now + lease
    return _outbox().find_one_and_update(
        {"status": QUEUED, "next_attempt_at": {"$lte": now}},
        {
            # The lease is the next attempt's time: the one index serves the whole query.
            "$set": {
                "next_attempt_at": until,
                "lease_until": until,
                "claim": secrets.token_hex(16),
            },
            "$inc": {"attempts": 1},
        },
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


def _finish(message: dict[str, Any], changes: dict[str, Any]) -> bool:
    """Apply `changes` if `message`'s claim still holds; False when another sender took it."""
    done = _outbox().update_one(
        {"_id": message["_id"], "claim": message["claim"], "status": QUEUED},
        {"$set": {"lease_until": None, "claim": None, **changes}},
    )
    return done.modified_count == 1


def _closed(now: datetime) -> dict[str, Any]:
    # The body may hold a reset or confirmation link: it leaves the database with the message.
    return {"text": None, "html": None, "expires_at": now + KEEP}


def mark_sent(message: dict[str, Any]) -> bool:
    """Record that the relay accepted `message`."""
    now = clock.now()
    return _finish(message, {"status": SENT, "sent_at": now, **_closed(now)})


def retry_later(message: dict[str, Any], reason: str, at: datetime) -> bool:
    """Put `message` back in the queue until `at`, keeping the reason it was not sent."""
    return _finish(message, {"next_attempt_at": at, "last_error": reason})


def mark_failed(message: dict[str, Any], reason: str) -> bool:
    """Give up on `message` for good, recording why."""
    now = clock.now()
    return _finish(
        message, {"status": FAILED, "failed_at": now, "last_error": reason, **_closed(now)}
    )


def counts() -> dict[str, int]:
    """Messages by status (finished ones for `KEEP`), and the queued ones being sent or waiting
    to be retried."""
    now, outbox = clock.now(), _outbox()
    # By the status index, named: SecantusDB's planner scanned the collection otherwise.
    by_status = {"hint": "status_next_attempt"}
    found = {s: outbox.count_documents({"status": s}, **by_status) for s in (QUEUED, SENT, FAILED)}
    found["sending"] = outbox.count_documents(
        {"status": QUEUED, "lease_until": {"$gt": now}}, **by_status
    )
    found["retrying"] = outbox.count_documents(
        {"status": QUEUED, "next_attempt_at": {"$gt": now}, "lease_until": None}, **by_status
    )
    return found


def recent_failures(limit: int = 5) -> list[dict[str, Any]]:
    """The last `limit` messages given up on, newest first."""
    found = _outbox().find({"status": FAILED}, {"text": 0, "html": 0})
    found = found.sort([("failed_at", -1), ("_id", -1)]).hint("status_next_attempt")
    return list(found.limit(limit))

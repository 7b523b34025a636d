"""The outbox: messages waiting for the sender, kept in MongoDB so that none is lost.

A request only inserts a message (journaled, like accounts) and returns; it never talks to
an SMTP server. `flask mail send` delivers (sender.py). Each document:
`{_id, to, subject, text, html, kind, user_id, created_at, status, attempts,
next_attempt_at, lease_until, last_error, sent_at}`; status is "queued", "sent" or "failed".
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from ..db import Index, collection
from ..identity import clock

COLLECTION = "outbox"
QUEUED, SENT, FAILED = "queued", "sent", "failed"

INDEXES = [
    # The sender's query: the next queued message whose time has come and whose lease is free.
    Index(COLLECTION, [("status", 1), ("next_attempt_at", 1)], name="status_next_attempt"),
]


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
        "last_error": None,
        "sent_at": None,
    }
    return collection(COLLECTION, durable=True).insert_one(doc).inserted_id

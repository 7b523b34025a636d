"""The audit trail: what happened to an account, when, and from where.

Events go to the `auth_events` collection (for existing users) and, each as one line, to
the `flaskr.audit` logger with structured `extra=` fields. Never a password or a token.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from . import devices
from .db import collection

log = logging.getLogger("flaskr.audit")

RECENT = 10

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"
SIGN_OUT = "sign_out"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
SESSION_REVOKED = "session_revoked"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
ACCOUNT_DELETED = "account_deleted"

# What each event means, as the "Recent activity" list says it.
DESCRIPTIONS = {
    SIGN_IN: "Signed in",
    SIGN_IN_FAILED: "Failed sign-in (wrong password)",
    SIGN_IN_THROTTLED: "Sign-in refused: too many failed attempts",
    SIGN_OUT: "Signed out",
    PASSWORD_CHANGED: "Password changed",
    SESSION_REVOKED: "Signed out a session",
    SIGNED_OUT_EVERYWHERE: "Signed out everywhere else",
    ACCOUNT_DELETED: "Account deleted",
}


def record(
    event: str,
    *,
    user_id: ObjectId | None,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
    retention: timedelta,
    store: bool = True,
) -> None:
    """Log `event`, and store it when it concerns an existing user (`user_id`) and `store`."""
    agent = devices.stored(user_agent)
    # The message is the event; who, from where and with what are fields, said once.
    log.info(
        "%s",
        event,
        extra={
            "event": event,
            "user_id": str(user_id) if user_id is not None else None,
            "client_ip": ip,
            "user_agent": agent,
        },
    )
    if user_id is None or not store:
        return
    collection("auth_events").insert_one(
        {
            "user_id": user_id,
            "event": event,
            "ip": ip,
            "user_agent": agent,
            "at": now,
            "expires_at": now + retention,
        }
    )


def recent(user_id: ObjectId, *, now: datetime, limit: int = RECENT) -> list[dict[str, Any]]:
    """The user's latest events, newest first (expired ones excluded before the sweep)."""
    return list(
        collection("auth_events")
        .find({"user_id": user_id, "expires_at": {"$gt": now}})
        .sort("at", -1)
        .limit(limit)
    )


def delete_user_events(user_id: ObjectId) -> int:
    """Delete every stored event of the user; return how many."""
    return collection("auth_events", durable=True).delete_many({"user_id": user_id}).deleted_count

"""The audit trail: what happened to an account, when, from where, and who did it.

Events go to the `auth_events` collection (for existing users) and, each as one line, to
the `flaskr.audit` logger with structured `extra=` fields. Never a password or a token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from ..db import Index, collection
from . import devices

log = logging.getLogger("flaskr.audit")

RECENT = 10

INDEXES = [
    # A user's latest events, each swept after its retention.
    Index("auth_events", [("user_id", 1), ("at", -1)], name="user_id_at"),
    Index("auth_events", "expires_at", expireAfterSeconds=0, name="expires_at_ttl"),
]

SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_THROTTLED = "sign_in_throttled"
SECOND_STEP_PASSED = "second_step_passed"
SECOND_STEP_FAILED = "second_step_failed"
SIGN_OUT = "sign_out"
ACCOUNT_CREATED = "account_created"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
SESSION_REVOKED = "session_revoked"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
ACCOUNT_DISABLED = "account_disabled"
ACCOUNT_ENABLED = "account_enabled"
ACCOUNT_UNLOCKED = "account_unlocked"
ACCOUNT_DELETED = "account_deleted"
# Two-factor sign-in and re-authentication.
PASSWORD_PASSED = "password_passed"  # noqa: S105 (an event name)
RECOVERY_CODE_USED = "recovery_code_used"
TWO_FACTOR_ENABLED = "two_factor_enabled"
TWO_FACTOR_DISABLED = "two_factor_disabled"
RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
TWO_FACTOR_RESET = "two_factor_reset"
REAUTHENTICATED = "reauthenticated"
# Passkeys.
PASSKEY_ADDED = "passkey_added"
PASSKEY_RENAMED = "passkey_renamed"
PASSKEY_REMOVED = "passkey_removed"
PASSKEY_SIGN_IN = "passkey_sign_in"
PASSKEY_FAILED = "passkey_failed"
PASSKEY_SIGN_COUNT = "passkey_sign_count_went_back"


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from where: the account's own user ("self", with the client's
    address and device), an administrator's command line ("cli"), or later "admin:<name>"."""

    name: str
    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def self(cls, ip: str | None, user_agent: str | None) -> Actor:
        """The person at a browser or API client: the user, or someone signing in as them."""
        return cls("self", ip, user_agent)


CLI = Actor("cli")


def record(
    event: str,
    *,
    user_id: ObjectId | None,
    actor: Actor,
    now: datetime,
    retention: timedelta,
    store: bool = True,
) -> None:
    """Log `event`, and store it when it concerns an existing user (`user_id`) and `store`."""
    agent = devices.stored(actor.user_agent)
    # The message is the event; who, from where and with what are fields, said once.
    log.info(
        "%s",
        event,
        extra={
            "event": event,
            "user_id": str(user_id) if user_id is not None else None,
            "actor": actor.name,
            "client_ip": actor.ip,
            "user_agent": agent,
        },
    )
    if user_id is None or not store:
        return
    collection("auth_events").insert_one(
        {
            "user_id": user_id,
            "event": event,
            "actor": actor.name,
            "ip": actor.ip,
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

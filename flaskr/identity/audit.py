"""The audit trail: what happened to an account, when, from where, and who did it.

Events go to the `auth_events` collection (for existing users) and, each as one line, to
the `flaskr.audit` logger with structured `extra=` fields. Never a password or a token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
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
# A signed-in user's wrong password when confirming a change (the account page, the API).
PASSWORD_CONFIRMATION_FAILED = "password_confirmation_failed"  # noqa: S105 (an event name)
# The account's failure counter just filled: sign-in is locked for clients it does not know.
ACCOUNT_LOCKED = "account_locked"
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
EMAIL_CHANGE_REQUESTED = "email_change_requested"
EMAIL_CONFIRMED = "email_confirmed"
EMAIL_REMOVED = "email_removed"
# Someone asked to use this account's confirmed address for another account.
EMAIL_CLAIMED = "email_claimed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 (an event name)
PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)


@dataclass(frozen=True)
class Actor:
    """Who makes a change, and from where: the account's own user ("self", with the client's
    address and device), an administrator's command line ("cli"), or later "admin:<name>".

    `device` is the browser's own random id (its device cookie), when it has one: never
    logged or stored as such, only its hash (devices.hashed).
    """

    name: str
    ip: str | None = None
    user_agent: str | None = None
    device: str | None = field(default=None, repr=False)

    @classmethod
    def self(cls, ip: str | None, user_agent: str | None, device: str | None = None) -> Actor:
        """The person at a browser or API client: the user, or someone signing in as them."""
        return cls("self", ip, user_agent, device)


CLI = Actor("cli")


def record(
    event: str,
    *,
    user_id: ObjectId | None,
    actor: Actor,
    now: datetime,
    retention: timedelta,
    store: bool = True,
    details: dict[str, str] | None = None,
) -> None:
    """Log `event`, and store it when it concerns an existing user (`user_id`) and `store`;
    `details` (plain words such as a role's name, never a secret) go with it."""
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
            **(details or {}),
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
            **({"details": details} if details else {}),
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


# Roles (accounts.grant_role, revoke_role).
ROLE_GRANTED = "role_granted"
ROLE_REVOKED = "role_revoked"
# The details of an event that are stored with it (the others go to the signal only).
STORED_DETAILS = ("role",)


# The admin area's trail of everyone: newest first, filtered by event, user, address and
# time, paged by the last (at, _id) seen, each filter served by an index (a user's by
# `user_id_at` above).
TRAIL_INDEXES = [
    Index("auth_events", [("at", -1), ("_id", -1)], name="at_id"),
    Index("auth_events", [("event", 1), ("at", -1), ("_id", -1)], name="event_at_id"),
    Index("auth_events", [("ip", 1), ("at", -1), ("_id", -1)], name="ip_at_id"),
]


@dataclass(frozen=True)
class Filters:
    """Which events the trail shows: each one set narrows it (None: any)."""

    event: str | None = None
    user_id: ObjectId | None = None
    ip: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _index(filters: Filters) -> str:
    """The index that serves `filters` (named as a hint: given `expires_at` too, a planner
    may pick the TTL index and sort everything; SecantusDB's scanned the collection)."""
    if filters.event is not None:
        return "event_at_id"
    if filters.ip is not None:
        return "ip_at_id"
    if filters.user_id is not None:
        return "user_id_at"
    return "at_id"


def _query(filters: Filters, now: datetime) -> dict[str, Any]:
    query: dict[str, Any] = {"expires_at": {"$gt": now}}
    if filters.event is not None:
        query["event"] = str(filters.event)
    if filters.user_id is not None:
        query["user_id"] = ObjectId(filters.user_id)
    if filters.ip is not None:
        query["ip"] = str(filters.ip)
    at: dict[str, datetime] = {}
    if filters.since is not None:
        at["$gte"] = filters.since
    if filters.until is not None:
        at["$lt"] = filters.until
    if at:
        query["at"] = at
    return query


def trail(
    filters: Filters,
    *,
    now: datetime,
    limit: int,
    after: tuple[datetime, ObjectId] | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` stored events matching `filters`, newest first, older than `after`."""
    query = _query(filters, now)
    if after is not None:
        at, last_id = after
        # A bound on `at` the index can seek to, then the tie-break among equal times.
        query["at"] = {**query.get("at", {}), "$lte": at}
        query["$or"] = [{"at": {"$lt": at}}, {"_id": {"$lt": last_id}}]
    order = [("at", -1), ("_id", -1)]
    found = collection("auth_events").find(query).sort(order).hint(_index(filters))
    return list(found.limit(limit))


def every(filters: Filters, *, now: datetime) -> Iterator[dict[str, Any]]:
    """Every stored event matching `filters`, newest first, read in batches (a download)."""
    order = [("at", -1), ("_id", -1)]
    found = collection("auth_events").find(_query(filters, now)).sort(order)
    return found.hint(_index(filters)).batch_size(500)


def count(events: list[str], *, since: datetime, until: datetime) -> int:
    """How many stored events of these kinds happened in [since, until)."""
    query = {"event": {"$in": [str(e) for e in events]}, "at": {"$gte": since, "$lt": until}}
    return collection("auth_events").count_documents(query, hint="event_at_id")

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
from pymongo.errors import DuplicateKeyError

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
# Passkeys.
PASSKEY_ADDED = "passkey_added"
PASSKEY_RENAMED = "passkey_renamed"
PASSKEY_REMOVED = "passkey_removed"
PASSKEY_SIGN_IN = "passkey_sign_in"
PASSKEY_FAILED = "passkey_failed"
PASSKEY_SIGN_COUNT = "passkey_sign_count_went_back"
# The account chose the language of its pages and mail (the footer's switch).
LANGUAGE_CHANGED = "language_changed"


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
    if event in COUNTED:
        count_hour(event, now)
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


# The trail reads newest first through widening stretches of time (the last one reaching back
# to the retention), so a page reads about as many events as it shows: SecantusDB reads every
# index entry in a range before it sorts and keeps the first few, so one range over the whole
# history would cost the whole history on every page.
WINDOWS = (timedelta(hours=1), timedelta(days=1), timedelta(days=7), timedelta(days=31))
ORDER = [("at", -1), ("_id", -1)]


def _read(query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    return list(collection("auth_events").find(query).sort(ORDER).limit(limit))


def trail(
    filters: Filters,
    *,
    now: datetime,
    retention: timedelta,
    limit: int,
    after: tuple[datetime, ObjectId] | None = None,
) -> list[dict[str, Any]]:
    """Up to `limit` stored events matching `filters`, newest first, after the event `after`
    (its time and id), none older than `retention` (the TTL sweep may lag a minute)."""
    base: dict[str, Any] = {}
    if filters.event is not None:
        base["event"] = str(filters.event)
    if filters.user_id is not None:
        base["user_id"] = ObjectId(filters.user_id)
    if filters.ip is not None:
        base["ip"] = str(filters.ip)
    found: list[dict[str, Any]] = []
    upper = min(filters.until or now, now) + timedelta(milliseconds=1)
    if after is not None:
        at, last_id = after
        # Those of the very same millisecond as the last one seen, further down the order.
        found = _read({**base, "at": at, "_id": {"$lt": last_id}}, limit)
        upper = min(upper, at)
    floor = max(filters.since or now - retention, now - retention)
    for width in (*WINDOWS, upper - floor):
        if len(found) >= limit or upper <= floor:
            break
        lower = max(upper - width, floor)
        found += _read({**base, "at": {"$gte": lower, "$lt": upper}}, limit - len(found))
        upper = lower
    return found


def every(
    filters: Filters, *, now: datetime, retention: timedelta, batch: int = 500
) -> Iterator[dict[str, Any]]:
    """Every stored event matching `filters`, newest first, read a page at a time."""
    after = None
    while True:
        page = trail(filters, now=now, retention=retention, limit=batch, after=after)
        yield from page
        if len(page) < batch:
            return
        after = (page[-1]["at"], page[-1]["_id"])


# How many sign-ins and failed sign-ins each hour had, counted as they happen (whether the
# account exists or not): the admin area's charts read a few hundred counters, not a week of
# events. Kept a little over a week.
COUNTED = (SIGN_IN, SIGN_IN_FAILED, SECOND_STEP_FAILED)
HOURS = "audit_hours"
HOURS_KEPT = timedelta(days=8)
HOUR_INDEXES = [Index(HOURS, "expires_at", expireAfterSeconds=0, name="expires_at_ttl")]


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def count_hour(event: str, at: datetime) -> None:
    """Add one to `event`'s counter for the hour of `at`."""
    hour = _hour(at)
    key = {"_id": f"{event}|{hour.isoformat()}"}
    change = {
        "$inc": {"n": 1},
        "$setOnInsert": {"event": event, "hour": hour, "expires_at": hour + HOURS_KEPT},
    }
    try:
        collection(HOURS).update_one(key, change, upsert=True)
    except DuplicateKeyError:
        # The hour's first two events at once: the other one's upsert made the counter.
        collection(HOURS).update_one(key, {"$inc": {"n": 1}})


def per_hour(
    events: list[str], *, since: datetime, until: datetime
) -> dict[tuple[str, datetime], int]:
    """{(event, hour): count} for these kinds of event in the hours of [since, until)."""
    query = {
        "hour": {"$gte": _hour(since), "$lt": until},
        "event": {"$in": [str(e) for e in events]},
    }
    return {(c["event"], c["hour"]): c["n"] for c in collection(HOURS).find(query)}

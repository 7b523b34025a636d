"""Server-side sign-in sessions: the cookie carries a random token, the database its hash.

A session record also carries what the pages show of its user (name, when the account was
made, and the sign-in before this one), so loading one is a single find by `_id`: no join,
no second query. That copy stays honest because an account's sessions end whenever the account is
disabled or deleted (accounts.py), and a sign-in that races with either ends its own new
session (signin.start_session). Usernames never change; the address and the two-factor
summary (on or off, recovery codes left, passkeys) are copied again into every session of the
account by each change to them (`copy_address`, `carry_two_factor`). A session also knows when
its user last gave their password (`authenticated_at`), which sensitive changes ask to be
recent. The roles are copied again by each grant or revocation (`carry_roles`); they are for
showing, never for deciding.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId

from ..db import Index, collection
from . import devices, passkeys, users

INDEXES = [
    Index("sessions", "user_id", name="user_id"),
    Index("sessions", "expires_at", expireAfterSeconds=0, name="expires_at_ttl"),
]

# Last-seen is written at most this often per session, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    """How long sessions live: idle timeout, absolute maximum, and with remember-me."""

    idle: timedelta
    max: timedelta
    remember: timedelta

    @classmethod
    def from_config(cls, config: Any) -> Lifetimes:
        return cls(
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            max=timedelta(hours=config["SESSION_MAX_HOURS"]),
            remember=timedelta(days=config["REMEMBER_DAYS"]),
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _expiry(session: dict[str, Any], life: Lifetimes) -> datetime:
    """When the session ends: absolute limit, and for non-remembered ones the idle limit."""
    if session["remember"]:
        return session["created_at"] + life.remember
    return min(session["created_at"] + life.max, session["last_seen_at"] + life.idle)


def _address(user: dict[str, Any]) -> dict[str, Any]:
    email, confirmed = users.email_of(user)
    return {"email": email, "email_confirmed": confirmed}


def _carried(user: dict[str, Any], *, previous_login_at: datetime | None) -> dict[str, Any]:
    """What a session keeps of its user: what the pages (and the API's `me`) show."""
    return {
        "username": user["username"],
        "user_created_at": user["created_at"],
        "previous_login_at": previous_login_at,
        **two_factor_summary(user),
        **_address(user),
        "roles": users.roles(user),
    }


def two_factor_summary(user: dict[str, Any]) -> dict[str, Any]:
    """What a session keeps of its user's two-factor sign-in: the authenticator app on or off,
    recovery codes left, how many passkeys."""
    return {
        "two_factor": users.totp_secret(user) is not None,
        "recovery_codes_left": len(users.recovery_codes(user)),
        "passkeys": passkeys.count(user["_id"]),
    }


def carry_two_factor(user: dict[str, Any]) -> int:
    """Copy `user`'s (a fresh document's) two-factor summary into each of their sessions, so
    every page keeps showing it without reading the user; return how many sessions."""
    result = collection("sessions").update_many(
        {"user_id": user["_id"]}, {"$set": two_factor_summary(user)}
    )
    return result.modified_count


def copy_address(user_id: ObjectId) -> None:
    """Bring the address the user's sessions carry up to date (after it changed)."""
    user = users.find_user_by_id(user_id)
    if user is not None:
        collection("sessions").update_many({"user_id": user_id}, {"$set": _address(user)})


def create_session(
    user: dict[str, Any],
    *,
    ip: str | None,
    user_agent: str,
    remember: bool,
    now: datetime,
    life: Lifetimes,
) -> tuple[str, dict[str, Any]]:
    """Record a new session for `user` (its document); return the token and the record.

    The token goes to the browser once; only its hash is stored.
    """
    token = secrets.token_urlsafe(32)
    doc = {
        "_id": token_hash(token),
        "user_id": user["_id"],
        # The sign-in before this one is the user's last, about to be replaced by this one.
        **_carried(user, previous_login_at=user.get("last_login_at")),
        "created_at": now,
        "last_seen_at": now,
        # The password (or a passkey) was just given: sensitive changes need no second time.
        "authenticated_at": now,
        "ip": ip,
        "user_agent": devices.stored(user_agent),
        "remember": bool(remember),
    }
    doc["expires_at"] = _expiry(doc, life)
    collection("sessions", durable=True).insert_one(doc)
    return token, doc


# What a request reads of its session: not the address and device, which only the account
# page lists.
_LOAD = (
    "user_id",
    "username",
    "user_created_at",
    "previous_login_at",
    "created_at",
    "last_seen_at",
    "remember",
    "authenticated_at",
    "two_factor",
    "recovery_codes_left",
    "passkeys",
    "email",
    "email_confirmed",
    "roles",
)


def load_session(token: str, *, now: datetime, life: Lifetimes) -> dict[str, Any] | None:
    """The live session for `token` in one round trip, or None; ends stale sessions."""
    if not isinstance(token, str):
        return None
    sid = token_hash(token)
    session = collection("sessions").find_one({"_id": sid}, _LOAD)
    if session is None:
        return None
    # Expiry is decided here, not by the TTL index: the server sweeps only once a minute.
    if now >= _expiry(session, life):
        end_session(sid)
        return None
    if now - session["last_seen_at"] >= TOUCH_INTERVAL:
        session["last_seen_at"] = now
        session["expires_at"] = _expiry(session, life)
        collection("sessions").update_one(
            {"_id": sid}, {"$set": {"last_seen_at": now, "expires_at": session["expires_at"]}}
        )
    return session


def authenticated(session_id: str, now: datetime) -> bool:
    """Record that the session's user has just given their password again (re-authentication)."""
    result = collection("sessions").update_one(
        {"_id": session_id}, {"$set": {"authenticated_at": now}}
    )
    return result.matched_count == 1


def recently_authenticated(session: dict[str, Any], now: datetime, within: timedelta) -> bool:
    """Whether the session's user gave their password (or a passkey) within `within`."""
    at = session.get("authenticated_at")
    return at is not None and now - at < within


def end_session(session_id: str) -> bool:
    """Delete one session record by its id (the token's hash)."""
    return collection("sessions", durable=True).delete_one({"_id": session_id}).deleted_count == 1


def end_user_sessions(user_id: ObjectId, *, keep: str | None = None) -> int:
    """Delete the user's sessions, except `keep` (a session id); return how many ended."""
    query: dict[str, Any] = {"user_id": user_id}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    return collection("sessions", durable=True).delete_many(query).deleted_count


def end_user_session(user_id: ObjectId, session_id: str) -> bool:
    """Delete one session if it belongs to `user_id`; False when there is no such session."""
    query = {"_id": session_id, "user_id": user_id}
    return collection("sessions", durable=True).delete_one(query).deleted_count == 1


def trim_user_sessions(user_id: ObjectId, *, keep: int) -> int:
    """End the user's oldest sessions beyond the `keep` newest; return how many ended."""
    older = collection("sessions").find({"user_id": user_id}, {"_id": 1})
    ids = [s["_id"] for s in older.sort("created_at", -1).skip(keep)]
    if not ids:
        return 0
    query = {"_id": {"$in": ids}, "user_id": user_id}
    return collection("sessions", durable=True).delete_many(query).deleted_count


def list_sessions(user_id: ObjectId, *, now: datetime) -> list[dict[str, Any]]:
    """The user's sessions that have not expired, most recently used first."""
    return list(
        collection("sessions")
        .find({"user_id": user_id, "expires_at": {"$gt": now}})
        .sort("last_seen_at", -1)
    )


def carry_roles(user_id: ObjectId) -> int:
    """Copy the user's roles, as they are now, into each of their sessions (what the pages
    show, such as the admin link; a decision reads the user); return how many sessions."""
    user = users.find_user_by_id(user_id)
    if user is None:
        return 0
    change = {"$set": {"roles": users.roles(user)}}
    return collection("sessions").update_many({"user_id": user_id}, change).modified_count


def count_live(user_ids: list[ObjectId], *, now: datetime) -> dict[ObjectId, int]:
    """How many unexpired sessions each of these users has (the `user_id` index finds them)."""
    counts: dict[ObjectId, int] = {}
    query = {"user_id": {"$in": list(user_ids)}, "expires_at": {"$gt": now}}
    for session in collection("sessions").find(query, {"user_id": 1}):
        counts[session["user_id"]] = counts.get(session["user_id"], 0) + 1
    return counts

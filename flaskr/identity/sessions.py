"""Server-side sign-in sessions: the cookie carries a random token, the database its hash.

A session record also carries what the pages show of its user (name, when the account was
made, and the sign-in before this one), so loading one is a single find by `_id`: no join,
no second query. That copy stays honest because an account's sessions end whenever the account is
disabled or deleted (accounts.py), and a sign-in that races with either ends its own new
session (signin.start_session). Usernames never change. The two-factor summary (on or off,
recovery codes left, passkeys) is copied again into every session of the account by each
change to it.
A session also knows when its user last gave their password (`authenticated_at`), which
sensitive changes ask to be recent.
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


def _carried(user: dict[str, Any], *, previous_login_at: datetime | None) -> dict[str, Any]:
    """What a session keeps of its user: what the pages show."""
    return {
        "username": user["username"],
        "user_created_at": user["created_at"],
        "previous_login_at": previous_login_at,
        **two_factor_summary(user),
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


def list_sessions(user_id: ObjectId, *, now: datetime) -> list[dict[str, Any]]:
    """The user's sessions that have not expired, most recently used first."""
    return list(
        collection("sessions")
        .find({"user_id": user_id, "expires_at": {"$gt": now}})
        .sort("last_seen_at", -1)
    )

"""Failed sign-in counters, per username and per client IP, shared by every app process.

Each counter is one document `{_id, count, until}` in `login_failures`. An attempt first
reserves a place atomically (`$inc` guarded by `count < limit`, with upsert), before the
password is checked, so parallel attempts cannot slip past the limit. A failure keeps its
place; a success gives it back. Windows are computed here in Python (a TTL index only
sweeps expired counters away), so the answer never depends on when the server sweeps.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .db import collection

COLLECTION = "login_failures"


class Throttled(Exception):
    """Too many recent failures for this username or address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    """How many failures are allowed per username and per IP within one lockout window."""

    per_user: int
    per_ip: int
    window: timedelta

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(
            per_user=int(config["LOGIN_MAX_FAILURES"]),
            per_ip=int(config["LOGIN_MAX_FAILURES_PER_IP"]),
            window=timedelta(seconds=int(config["LOGIN_LOCKOUT_SECONDS"])),
        )


def user_counter(username_key: str) -> str:
    """The counter id for a normalised username, hashed: people type passwords into it."""
    return "user:" + hashlib.sha256(username_key.encode("utf-8", "surrogatepass")).hexdigest()


def ip_counter(ip: str | None) -> str:
    return "ip:" + (ip or "unknown")


def _coll() -> Any:
    return collection(COLLECTION)


def _take(key: str, limit: int, now: datetime, window: timedelta) -> int | None:
    """Reserve one attempt on counter `key`; None if reserved, else seconds until it frees."""
    coll = _coll()
    # An expired window starts again from zero; only one concurrent caller can match this.
    coll.update_one(
        {"_id": key, "until": {"$lte": now}}, {"$set": {"count": 0, "until": now + window}}
    )
    for _ in range(2):
        try:
            if coll.find_one_and_update(
                {"_id": key, "count": {"$lt": limit}},
                {"$inc": {"count": 1}, "$setOnInsert": {"until": now + window}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            ):
                return None
        except DuplicateKeyError:
            # Either the counter is full (the filter missed, the upsert collided with it)
            # or a concurrent first attempt created it a moment ago: look again.
            pass
        found = coll.find_one({"_id": key})
        if found is not None and found["count"] >= limit:
            return max(1, math.ceil((found["until"] - now).total_seconds()))
    return max(1, math.ceil(window.total_seconds()))  # pragma: no cover (a lost race twice)


def _give_back(key: str) -> None:
    _coll().update_one({"_id": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})


def reserve(username_key: str, ip: str | None, *, now: datetime, limits: Limits) -> None:
    """Reserve one sign-in attempt for this username and address, or raise Throttled."""
    user_key = user_counter(username_key)
    wait = _take(user_key, limits.per_user, now, limits.window)
    if wait is not None:
        raise Throttled(wait)
    wait = _take(ip_counter(ip), limits.per_ip, now, limits.window)
    if wait is not None:
        # The attempt never reached the password check: it is not the username's failure.
        _give_back(user_key)
        raise Throttled(wait)


def record_failure(username_key: str, ip: str | None, *, now: datetime, limits: Limits) -> None:
    """Keep the reserved places; a counter that is now full stays locked a whole window."""
    until = now + limits.window
    for key, limit in (
        (user_counter(username_key), limits.per_user),
        (ip_counter(ip), limits.per_ip),
    ):
        _coll().update_one({"_id": key, "count": {"$gte": limit}}, {"$max": {"until": until}})


def record_success(username_key: str, ip: str | None) -> None:
    """A correct password: the username starts afresh and the address gets its place back."""
    _coll().delete_one({"_id": user_counter(username_key)})
    _give_back(ip_counter(ip))


def clear_user(username_key: str) -> None:
    """Forget the failures counted for this username (an administrator's unlock)."""
    _coll().delete_one({"_id": user_counter(username_key)})

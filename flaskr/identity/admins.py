"""The last administrator: no change may leave the service without an active administrator.

An active administrator has the `admin` role and is not disabled. Several documents change
at once when two administrators act together (A revokes B while B disables A), and MongoDB
changes one document atomically, so a count of the users, then an update, would let both
go. Instead one document, `{_id: "active_admins", count}` in `counters`, holds a count that
is never above the true number, and every change takes its place in it atomically:

- leaving (revoke, disable, delete an active administrator) first takes one from the count
  with `count > 1` in the filter, then changes the user only if they are still an active
  administrator (and gives the place back if not): of two racing departures of the last two,
  exactly one finds `count > 1`;
- joining (grant, enable) changes the user first, only in the state that makes an active
  administrator of them (enabled, for a grant; holding the role, for an enable), and adds one
  after; otherwise it changes them without counting.

A crash between the two steps can only leave the count too low, which refuses a departure
that would have been allowed, never the reverse. `repair` recounts when nothing is changing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.errors import DuplicateKeyError

from ..db import collection
from . import users

COUNTERS = "counters"
ACTIVE = "active_admins"
# A departure retries when the user changes under it (granted, enabled) between its steps.
TRIES = 5

T = TypeVar("T")


class LastAdmin(Exception):
    """The change would leave no active administrator."""


def count() -> int:
    """The guarded count of active administrators (never above the true number)."""
    doc = collection(COUNTERS).find_one({"_id": ACTIVE})
    return int(doc["count"]) if doc else 0


def _take_place() -> bool:
    """Take one place from the count if at least two are left; False otherwise."""
    result = collection(COUNTERS, durable=True).update_one(
        {"_id": ACTIVE, "count": {"$gt": 1}}, {"$inc": {"count": -1}}
    )
    return result.modified_count == 1


def joined() -> None:
    """Count one more active administrator (after the user's change is stored)."""
    counters = collection(COUNTERS, durable=True)
    try:
        counters.update_one({"_id": ACTIVE}, {"$inc": {"count": 1}}, upsert=True)
    except DuplicateKeyError:
        # Two first administrators at once: the other upsert created it; now it exists.
        counters.update_one({"_id": ACTIVE}, {"$inc": {"count": 1}})


def arrive(
    user_id: Any,
    change: Callable[[dict[str, Any]], bool | None],
    *,
    counted: dict[str, Any],
    uncounted: dict[str, Any],
    needed: Callable[[dict[str, Any]], bool],
) -> bool:
    """Apply `change(only)`, which changes the user if they match the filter `only` (True) or
    answers None: first with `counted`, the state in which the change makes an active
    administrator (then counted), else with `uncounted`. False if the change is not
    `needed(user)` any more, or the user is gone."""
    # Two conditional updates rather than one find_one_and_update whose before-image says
    # what the change made: on SecantusDB that image was, under contention, not always the
    # document the update applied to (106 times in 200 in a two-thread test).
    for _ in range(TRIES):
        if change(counted):
            joined()
            return True
        if change(uncounted):
            return True
        current = users.find_user_by_id(user_id)
        if current is None or not needed(current):
            return False
        # The user changed between the two tries (disabled, enabled): again.
    return False  # pragma: no cover (a user changing state at every step, TRIES times)


def leave(user_id: Any, change: Callable[[dict[str, Any]], T | None]) -> T | None:
    """Apply `change(only)` so that the service keeps an active administrator, and return its
    answer. `change` changes the user if they match the filter `only` and answers None when
    they do not. None: the user is gone. Raises LastAdmin."""
    for _ in range(TRIES):
        # Most changes are to someone who is not an active administrator: no place needed.
        done = change(users.NOT_ACTIVE_ADMIN)
        if done is not None:
            return done
        placed = _take_place()
        if placed:
            done = change(users.ACTIVE_ADMIN)
            if done is not None:
                return done
            joined()  # the place goes back: they stopped being one meanwhile, or are gone
        current = users.find_user_by_id(user_id)
        if current is None:
            return None
        if not placed and users.is_active_admin(current):
            raise LastAdmin()
        # They changed between the steps (granted, revoked, enabled): try again.
    raise LastAdmin()  # pragma: no cover (a user changing state at every step, TRIES times)


def repair() -> tuple[int, int]:
    """Set the count to the true number of active administrators; return (before, after).
    Run it only while no administrator is being granted, revoked, disabled or deleted."""
    before, now = count(), users.count_active_admins()
    collection(COUNTERS, durable=True).update_one(
        {"_id": ACTIVE}, {"$set": {"count": now}}, upsert=True
    )
    return before, now

"""What the admin area shows of accounts: a row per user, and one user's whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from flask import abort

from .. import messages
from ..identity import audit, clock, devices, sessions, throttle, users
from ..web.context import settings
from ..web.stepup import has_second_factor

PAGE = 50


@dataclass(frozen=True)
class UserRow:
    """One account as the users list shows it."""

    id: str
    username: str
    address: str | None  # the confirmed one, else the one awaiting confirmation
    status: tuple[str, ...]  # "active", or any of "disabled", "locked", "unconfirmed address"
    second_factor: bool
    roles: tuple[str, ...]
    created_at: datetime | None
    last_login_at: datetime | None
    sessions: int


@dataclass(frozen=True)
class Page:
    """A page of the users list, with the bounds of the pages either side (None: none)."""

    rows: list[UserRow]
    after: str | None
    before: str | None


def rows(docs: list[dict[str, Any]]) -> list[UserRow]:
    """The rows for these user documents: three queries for any number of them."""
    now, limits = clock.now(), settings().limits
    locked = throttle.locked([users.key_of(d) for d in docs], now=now, limits=limits)
    live = sessions.count_live([d["_id"] for d in docs], now=now)
    return [
        UserRow(
            id=str(d["_id"]),
            username=d["username"],
            address=users.email_of(d)[0],
            status=status(d, locked=users.key_of(d) in locked),
            second_factor=has_second_factor(d),
            roles=tuple(users.roles(d)),
            created_at=d.get("created_at"),
            last_login_at=d.get("last_login_at"),
            sessions=live.get(d["_id"], 0),
        )
        for d in docs
    ]


def status(user: dict[str, Any], *, locked: bool) -> tuple[str, ...]:
    """What stands between the account and a sign-in (or its mail), or ("active",)."""
    address, confirmed = users.email_of(user)
    found = [
        name
        for name, on in (
            ("disabled", users.is_disabled(user)),
            ("locked", locked),
            ("unconfirmed address", address is not None and not confirmed),
        )
        if on
    ]
    return tuple(found) or ("active",)


def page(prefix: str, *, by: str, after: str | None, before: str | None) -> Page:
    """A page of the users list: PAGE users from a bound, and whether there are more."""
    docs = users.page(prefix, by=by, after=after, before=before, limit=PAGE + 1)
    more = len(docs) > PAGE
    if before is not None and after is None:
        # Read backwards: the extra one is the first, and the page after this one exists.
        docs = docs[1:] if more else docs
        earlier, later = more, True
    else:
        docs = docs[:PAGE]
        earlier, later = after is not None, more
    return Page(
        rows=rows(docs),
        after=users.bound_of(docs[-1], by) if later and docs else None,
        before=users.bound_of(docs[0], by) if earlier and docs else None,
    )


def user_or_404(user_id: str) -> dict[str, Any]:
    """The account with this id (hex, from a URL), or a 404."""
    try:
        found = users.find_user_by_id(ObjectId(user_id))
    except (InvalidId, TypeError):
        abort(404)
    if found is None:
        abort(404)
    return found


def story(user_id: ObjectId) -> list[TrailRow]:
    """The account's latest events (a page of the audit trail, filtered to it)."""
    found = audit.trail(
        audit.Filters(user_id=user_id),
        now=clock.now(),
        retention=settings().audit_retention,
        limit=PAGE,
    )
    return event_rows(found)


@dataclass(frozen=True)
class TrailRow:
    """One event as the trail shows it."""

    at: datetime
    event: str
    description: str
    user_id: str
    username: str | None  # None: the account is gone
    actor: str
    ip: str | None
    device: str
    user_agent: str
    role: str | None


def event_rows(events: list[dict[str, Any]]) -> list[TrailRow]:
    """The rows for these events, their usernames read in one query."""
    names = users.usernames_by_id(list({e["user_id"] for e in events}))
    return [
        TrailRow(
            at=e["at"],
            event=e["event"],
            description=messages.event(e["event"]),
            user_id=str(e["user_id"]),
            username=names.get(e["user_id"]),
            actor=e.get("actor") or "",
            ip=e.get("ip"),
            device=devices.describe(e.get("user_agent")),
            user_agent=e.get("user_agent") or "",
            role=(e.get("details") or {}).get("role"),
        )
        for e in events
    ]

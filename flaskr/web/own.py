"""What signed-in users see of and do to their own account, for this request: the pages and
the API share it, so a session or an event reads the same, and a change keeps the same rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import session
from flask_login import current_user, logout_user

from .. import messages
from ..identity import accounts, audit, clock, devices, sessions
from .context import account, actor, settings


@dataclass(frozen=True)
class SessionRow:
    """One live session as the account page lists it."""

    id: str  # the record's `_id`: the SHA-256 of the cookie's token, never the token
    device: str
    ip: str | None
    signed_in_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool


@dataclass(frozen=True)
class EventRow:
    """One audit event as "Recent activity" shows it."""

    event: str
    description: str
    actor: str | None
    at: datetime
    ip: str | None
    device: str


def session_rows(user_id: Any, current: str | None = None) -> list[SessionRow]:
    """A user's live sessions, most recently used first; `current` marks the one in use.

    The account page and the API list the signed-in user's; the admin area anyone's."""
    return [
        SessionRow(
            id=s["_id"],
            device=devices.describe(s.get("user_agent")),
            ip=s.get("ip"),
            signed_in_at=s["created_at"],
            last_seen_at=s["last_seen_at"],
            remember=bool(s.get("remember")),
            current=s["_id"] == current,
        )
        for s in sessions.list_sessions(user_id, now=clock.now())
    ]


def live_sessions() -> list[SessionRow]:
    """The signed-in user's live sessions: this one first, then the others, most recently
    used first."""
    rows = session_rows(current_user.id, current_user.session_id)
    return sorted(rows, key=lambda row: not row.current)


def recent_activity() -> list[EventRow]:
    """The user's latest audit events, newest first, described as the user page says them."""
    rows = []
    for e in audit.recent(current_user.id, now=clock.now()):
        by = messages.actor(e.get("actor"))
        rows.append(
            EventRow(
                event=e["event"],
                description=f"{messages.event(e['event'])} {by}".rstrip(),
                actor=e.get("actor"),
                at=e["at"],
                ip=e.get("ip"),
                device=devices.describe(e.get("user_agent")),
            )
        )
    return rows


def change_password(new_password: str) -> int:
    """Set the user's new password (already confirmed with the current one); the other
    sessions end. Returns how many ended; raises accounts.Invalid under the policy."""
    return accounts.change_password(
        account(current_user),
        new_password,
        actor=actor(),
        settings=settings(),
        keep=current_user.session_id,
    )


def end_session(session_id: str) -> bool:
    """End one of the user's sessions (this one signs this client out); False when the user
    has no such live session, whoever's it is."""
    this = session_id == current_user.session_id
    if not accounts.end_session(
        account(current_user), session_id, actor=actor(), settings=settings()
    ):
        return False
    if this:
        logout_user()
    return True


def end_other_sessions() -> int:
    """End every session of the user but this one; return how many ended."""
    return accounts.end_other_sessions(
        account(current_user), current_user.session_id, actor=actor(), settings=settings()
    )


def delete_account() -> int:
    """Delete the user's account (already confirmed with the password) and forget it in this
    client: its session and remember-me cookies. Returns how many sessions ended."""
    user = account(current_user)
    # Nothing of the account stays in this client's session; logout_user after the clear,
    # since it is what marks the remember-me cookie for deletion.
    session.clear()
    logout_user()
    return accounts.delete_account(user, actor=actor(), settings=settings())

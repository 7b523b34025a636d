"""Getting back into an account by e-mail: asking for a reset link, and using one.

Asking never says whether an account has the address: the caller answers the same either
way (and the web door does this work only after its answer is sent). Using a link is a flow
like signing in: a GET only looks (`reset_link`), the POST changes (`reset`); an account with
a second factor must pass it before the new password is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import accounts, audit, tokens, users
from .accounts import happened
from .audit import Actor
from .settings import Settings
from .signin import Refused, Throttled, check_second_factor


@dataclass(frozen=True)
class ResetLink:
    """A live reset link: its account, and the factors it must pass (none: only a password)."""

    user: dict[str, Any]
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Reset:
    """The password is set; `sessions_ended` sessions of the account ended with it."""

    user: dict[str, Any]
    sessions_ended: int


@dataclass(frozen=True)
class BadLink:
    """The link is unknown, used, revoked by a newer one or a new password, or expired."""


@dataclass(frozen=True)
class NeedsFactor:
    """The account has a second factor: one of `methods` must pass first."""

    methods: tuple[str, ...]


def request_reset(address: str, *, actor: Actor, settings: Settings) -> None:
    """Send a reset link if an account has confirmed `address`; else only log the request."""
    user = users.find_by_email(address)
    if user is None or not accounts.request_reset(user, actor=actor, settings=settings):
        # Logged (without the address), stored nowhere: there is no account to store it on.
        happened(audit.PASSWORD_RESET_REQUESTED, None, actor=actor, settings=settings)


def _owner(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The live account a link's record belongs to, or None."""
    user = users.find_user_by_id(record["user_id"]) if record else None
    return None if user is None or user.get("disabled") else user


def confirm_link(link: Any) -> tuple[dict[str, Any], str] | None:
    """The account and address a live confirmation `link` is for, or None. Reads only."""
    record = tokens.peek(link, tokens.CONFIRM_EMAIL)
    user = _owner(record)
    return (user, record["address"]) if user and record else None


def reset_link(link: Any, settings: Settings) -> ResetLink | None:
    """What using the reset `link` will ask for, or None if it cannot be used. Reads only."""
    user = _owner(tokens.peek(link, tokens.RESET_PASSWORD))
    if user is None:
        return None
    return ResetLink(user, tuple(f.name for f in settings.factors if f.enrolled(user)))


def reset(
    link: Any,
    password: str,
    *,
    method: str | None = None,
    answer: str | None = None,
    actor: Actor,
    settings: Settings,
) -> Reset | BadLink | NeedsFactor | Refused | Throttled:
    """Set `password` through the reset `link` (after the account's factor, if it has one).
    Raises accounts.Invalid for a password the policy refuses; the link stays usable."""
    found = reset_link(link, settings)
    if found is None:
        return BadLink()
    if found.methods:
        if not method or not answer:
            return NeedsFactor(found.methods)
        checked = check_second_factor(found.user, method, answer, actor=actor, settings=settings)
        if checked is not True:
            return checked if isinstance(checked, Throttled) else Refused()
    ended = accounts.reset_password(found.user, password, link=link, actor=actor, settings=settings)
    return BadLink() if ended is None else Reset(found.user, ended)

"""What a sensitive area asks beyond a session: a second factor, and a recent password.

Two seams, so the admin area (and a team's own sensitive pages) ask the same questions the
same way: `has_second_factor(user)`, answered by the factors registered with the app
(identity.factors: the authenticator app and recovery codes), and
`reauthenticated_recently()`, the session's password time (web/login.py) within
REAUTH_MINUTES; `reauthenticate_url(next)` and `enrol_url()` say where to go for each.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from .context import settings
from .login import recently_authenticated


def has_second_factor(user: dict[str, Any]) -> bool:
    """Whether the account (its document) signs in with a second factor."""
    return any(factor.enrolled(user) for factor in settings().factors)


def reauthenticated_recently() -> bool:
    """Whether the signed-in user gave their password within REAUTH_MINUTES."""
    return recently_authenticated()


def reauthenticate_url(next_page: str) -> str:
    """Where the user confirms their password, then comes back to `next_page` (a local path)."""
    return url_for("auth.reauthenticate", next=next_page)


def enrol_url() -> str:
    """Where the signed-in user sets up a second factor."""
    return url_for("two_factor.index")

"""What a sensitive area asks beyond a session: a second factor, and a recent password.

Two seams, so the admin area (and a team's own sensitive pages) ask the same questions the
same way: `has_second_factor(user)` and `reauthenticated_recently()`, with
`reauthenticate_url(next)` for where to confirm the password. They answer from what this
version has: a second factor is any registered factor (identity.factors) the account is
enrolled in; the password was last given when this session signed in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from flask_login import current_user

from ..identity import clock
from .context import settings


def has_second_factor(user: dict[str, Any]) -> bool:
    """Whether the account (its document) signs in with a second factor."""
    return any(factor.enrolled(user) for factor in settings().factors)


def reauthenticated_recently() -> bool:
    """Whether the signed-in user gave their password within REAUTH_MINUTES."""
    if not current_user.is_authenticated:
        return False
    within = timedelta(minutes=float(current_app.config["REAUTH_MINUTES"]))
    return clock.now() - current_user.signed_in_at < within


def reauthenticate_url(next_page: str) -> str:
    """Where the user confirms their password, then comes back to `next_page` (a local path):
    signing in again, which starts a new session."""
    return url_for("auth.login", next=next_page)


def enrol_url() -> str | None:
    """Where the signed-in user sets up a second factor; None while there is nowhere."""
    return None

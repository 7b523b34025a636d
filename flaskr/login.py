"""Flask-Login wiring: the signed-in user is a live server-side session plus its user."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, abort, current_app, request, session
from flask_login import UserMixin, current_user, login_user, logout_user

from . import audit, sessions, throttle, users
from .extensions import login_manager


class TooManyAttempts(Exception):
    """Sign-in refused before checking the password: too many recent failures."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        """What the visitor reads: the wait in whole minutes, rounded up."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many failed sign-in attempts. Please try again in {minutes} {unit}."


class SignedInUser(UserMixin):
    """The user behind the current request; `get_id()` is the session token.

    Built from the session record alone, which carries what the pages show of the user;
    `doc`, the full user document, is read only when asked for.
    """

    def __init__(self, token: str, session: dict[str, Any], user: dict[str, Any] | None = None):
        self.token = token
        self.session = session
        self._doc = user

    def get_id(self) -> str:
        return self.token

    @property
    def id(self) -> Any:
        return self.session["user_id"]

    @property
    def session_id(self) -> str:
        return self.session["_id"]

    @property
    def username(self) -> str:
        return self.session["username"]

    @property
    def created_at(self) -> Any:
        """When the account was created."""
        return self.session["user_created_at"]

    @property
    def signed_in_at(self) -> Any:
        """When this session started."""
        return self.session["created_at"]

    @property
    def previous_login_at(self) -> Any:
        """The account's sign-in before this session's, or None."""
        return self.session.get("previous_login_at")

    @property
    def doc(self) -> dict[str, Any]:
        """The user's document, read on first use; 401 if the account is being deleted."""
        if self._doc is None:
            self._doc = users.find_user_by_id(self.id)
            if self._doc is None:
                # Deleted between loading this session and now: its sessions are ending too.
                abort(401)
        return self._doc


def lifetimes() -> sessions.Lifetimes:
    return sessions.Lifetimes.from_config(current_app.config)


def client_ip() -> str | None:
    return request.remote_addr


def user_agent() -> str:
    return request.user_agent.string


def record_event(event: str, user_id: Any, *, store: bool = True) -> None:
    """Add `event` about `user_id` (None: no such user) to the audit trail, from this request."""
    retention = timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    audit.record(
        event,
        user_id=user_id,
        ip=client_ip(),
        user_agent=user_agent(),
        now=users.now(),
        retention=retention,
        store=store,
    )


def _user_id_for(username: str) -> Any:
    # Only to label an audit event: the answer to the visitor never depends on it.
    user = users.sign_in_candidate(username)
    return user["_id"] if user else None


@login_manager.user_loader
def load_user(token: str) -> SignedInUser | None:
    found = sessions.load_session(token, now=users.now(), life=lifetimes())
    return SignedInUser(token, found) if found else None


def sign_in(user: dict[str, Any], remember: bool) -> SignedInUser | None:
    """Start a server-side session for `user` and sign this browser in with it.

    None if the account was disabled or deleted while its password was being checked.
    """
    # Signing in over another sign-in ends that session (and its remember-me cookie), so
    # no copy of the old cookie stays valid.
    if current_user.is_authenticated:
        sessions.end_session(current_user.session_id)
    # A fresh Flask session: nothing planted before sign-in survives it (no fixation).
    session.clear()
    at = users.now()
    token, record = sessions.create_session(
        user,
        ip=client_ip(),
        user_agent=user_agent(),
        remember=remember,
        now=at,
        life=lifetimes(),
    )
    # After the session exists: a disable or deletion either sees it and ends it, or has
    # already happened and this finds no account it may sign in to.
    user = users.record_login(user, at)
    if user is None:
        sessions.end_session(record["_id"])
        return None
    signed_in = SignedInUser(token, record, user)
    login_user(signed_in, remember=remember)
    return signed_in


def _checked(username: str, password: str, who: Callable[[], Any]) -> dict[str, Any] | None:
    """The user if the password is right, throttled and audited.

    `who()` names the account of a refused attempt, which never reaches the user lookup.
    """
    key, ip, at = users.username_key(username), client_ip(), users.now()
    limits = throttle.Limits.from_config(current_app.config)
    try:
        # Reserved before the password check, so parallel guesses cannot pass the limit.
        throttle.reserve(key, ip, now=at, limits=limits)
    except throttle.Throttled as e:
        # Every refusal is logged; the account's activity keeps the first of each lockout.
        record_event(audit.SIGN_IN_THROTTLED, who(), store=e.first)
        raise TooManyAttempts(e.retry_after) from None
    user = users.sign_in_candidate(username)
    if not users.password_matches(user, password, current_app.config["BCRYPT_ROUNDS"]):
        throttle.record_failure(key, ip, now=at, limits=limits)
        record_event(audit.SIGN_IN_FAILED, user["_id"] if user else None)
        return None
    throttle.record_success(key, ip)
    return user


def attempt_sign_in(username: str, password: str, remember: bool) -> SignedInUser | None:
    """Check the credentials and sign this browser in; None if they are incorrect.

    The one sign-in path: the HTML form and the JSON API both call it. Raises
    TooManyAttempts when throttling refuses the attempt.
    """
    user = _checked(username, password, lambda: _user_id_for(username))
    if user is None:
        return None
    signed_in = sign_in(user, remember=remember)
    if signed_in is None:
        return None
    record_event(audit.SIGN_IN, user["_id"])
    return signed_in


def confirm_password(current: SignedInUser, password: str) -> bool:
    """Whether `password` is the signed-in user's, throttled like a sign-in.

    Raises TooManyAttempts, so a stolen session cannot be used to guess the password.
    """
    user_id = current.id
    return _checked(current.username, password, lambda: user_id) is not None


def sign_out(current: SignedInUser) -> None:
    """End the current session on the server and in this browser."""
    user_id = current.id  # `current` may be the current_user proxy, anonymous after logout
    sessions.end_session(current.session_id)
    logout_user()
    record_event(audit.SIGN_OUT, user_id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # API clients get 401 as JSON (flaskr.errors), never a redirect to the HTML sign-in page.
    login_manager.blueprint_login_views["api"] = None

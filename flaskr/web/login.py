"""Flask-Login glue: the signed-in user is a live server-side session, and the sign-in flow
(identity.signin) is carried out for this browser: its pending step in the Flask session."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, session
from flask_login import UserMixin, current_user, login_user, logout_user

from .. import messages
from ..extensions import login_manager
from ..identity import clock, passkey_signin, sessions, signin, users
from . import devices
from .context import FACTORS, account, actor, settings
from .ratelimit import count_password_check

PENDING_KEY = "_pending_sign_in"


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
    def two_factor(self) -> bool:
        """Whether the account signs in with a second factor (the authenticator app)."""
        return bool(self.session.get("two_factor"))

    @property
    def recovery_codes_left(self) -> int:
        return int(self.session.get("recovery_codes_left") or 0)

    @property
    def passkeys(self) -> int:
        """How many passkeys the account has."""
        return int(self.session.get("passkeys") or 0)

    @property
    def second_factor(self) -> bool:
        """Whether a password alone does not sign the account in (an app or a passkey)."""
        return self.two_factor or self.passkeys > 0

    @property
    def email(self) -> tuple[str | None, bool]:
        """The account's address and whether it is confirmed (users.email_of), as the session
        carries it; a session made before sessions carried it reads the user document."""
        if "email_confirmed" not in self.session:
            return users.email_of(self.doc)
        return self.session["email"], self.session["email_confirmed"]

    @property
    def doc(self) -> dict[str, Any]:
        """The user's document, read on first use; 401 if the account is being deleted."""
        if self._doc is None:
            self._doc = users.find_user_by_id(self.id)
            if self._doc is None:
                # Deleted between loading this session and now: its sessions are ending too.
                abort(401)
        return self._doc

    @property
    def roles(self) -> list[str]:
        """The roles as this session last heard of them: for showing (a link), not deciding
        (web/roles.py reads the user)."""
        return list(self.session.get("roles") or [])


@login_manager.user_loader
def load_user(token: str) -> SignedInUser | None:
    found = sessions.load_session(token, now=clock.now(), life=settings().lifetimes)
    return SignedInUser(token, found) if found else None


Outcome = signin.SignedIn | signin.Refused | signin.Throttled | signin.NeedsStep | signin.Expired


def _signed_in(outcome: Outcome, device: str) -> Outcome:
    """Sign this browser in when the flow says so; keep a pending step in its session."""
    if isinstance(outcome, signin.NeedsStep):
        session[PENDING_KEY] = outcome.token
    elif isinstance(outcome, signin.SignedIn):
        # Signing in over another sign-in ends that session (and its remember-me cookie), so
        # no copy of the old cookie stays valid.
        if current_user.is_authenticated:
            sessions.end_session(current_user.session_id)
        # A fresh Flask session: nothing planted before sign-in survives it (no fixation).
        session.clear()
        user = SignedInUser(outcome.token, outcome.session, outcome.user)
        login_user(user, remember=outcome.session["remember"])
        devices.remember(device)
    return outcome


def attempt_sign_in(username: str, password: str, remember: bool) -> Outcome:
    """The one sign-in path (the HTML form and the JSON API): the password step."""
    session.pop(PENDING_KEY, None)
    device = devices.for_sign_in()
    outcome = signin.begin(
        username,
        password,
        remember=remember,
        actor=actor(device),
        settings=settings(),
        # Password checks per client address, right or wrong (SIGN_IN_RATE_LIMIT).
        admit=count_password_check,
        returning=devices.current() is not None,
    )
    return _signed_in(outcome, device)


def sign_in_new_account(user: dict[str, Any]) -> Outcome:
    """Sign this browser in to the account it has just created: a new account has no second
    factor, so the sign-in starts its session at once (audited as a sign-in)."""
    session.pop(PENDING_KEY, None)
    device = devices.for_sign_in()
    outcome = signin.start_session(user, remember=False, actor=actor(device), settings=settings())
    return _signed_in(outcome, device)


def pending_methods() -> tuple[str, ...] | None:
    """The factors this browser's pending sign-in may use, or None when there is none."""
    record = signin.pending(session.get(PENDING_KEY))
    return tuple(record["methods"]) if record else None


def finish_sign_in(method: str, answer: str) -> Outcome:
    """The second step of this browser's pending sign-in."""
    device = devices.for_sign_in()
    outcome = signin.finish(
        session.get(PENDING_KEY), method, answer, actor=actor(device), settings=settings()
    )
    if isinstance(outcome, signin.Expired):
        session.pop(PENDING_KEY, None)
    return _signed_in(outcome, device)


def reauthenticate(password: str) -> bool | signin.Throttled:
    """Whether `password` is the signed-in user's; if so, sensitive changes are allowed for
    the next REAUTH_MINUTES in this session."""
    confirmed = signin.reauthenticate(
        account(current_user),
        current_user.session_id,
        password,
        actor=actor(),
        settings=settings(),
        admit=count_password_check,
    )
    return _fresh(confirmed)


def _fresh(confirmed):
    if confirmed is True:
        # This request's copy of the session too, for a redirect that reads it at once.
        current_user.session["authenticated_at"] = clock.now()
    return confirmed


def reauthenticate_with_passkey(credential: Any, binding: str) -> bool | signin.Expired:
    """Whether `credential` is a passkey of the signed-in user, answering this browser's
    (`binding`) re-authentication challenge; if so, as `reauthenticate`."""
    confirmed = passkey_signin.reauthenticate(
        account(current_user),
        current_user.session_id,
        credential,
        binding=binding,
        actor=actor(),
        settings=settings(),
    )
    return _fresh(confirmed)


def sign_in_with_passkey(credential: Any, remember: bool, binding: str) -> Outcome:
    """The passwordless sign-in: a passkey answering this browser's (`binding`) challenge."""
    session.pop(PENDING_KEY, None)
    device = devices.for_sign_in()
    outcome = passkey_signin.sign_in(
        credential, binding=binding, remember=remember, actor=actor(device), settings=settings()
    )
    return _signed_in(outcome, device)


def recently_authenticated() -> bool:
    """Whether the signed-in user gave their password within the last REAUTH_MINUTES."""
    return current_user.is_authenticated and signin.recently_authenticated(
        current_user.session, settings()
    )


def confirm_password(password: str) -> bool | signin.Throttled:
    """Whether `password` is the signed-in user's (throttled like a sign-in)."""
    return signin.confirm_password(
        account(current_user),
        password,
        actor=actor(),
        settings=settings(),
        admit=count_password_check,
    )


def sign_out() -> None:
    """End the current session on the server and in this browser."""
    user, session_id = account(current_user), current_user.session_id
    logout_user()
    signin.sign_out(user, session_id, actor=actor(), settings=settings())


def init_app(app: Flask) -> None:
    # Second factors register here (identity.factors.Factor): the two_factor feature's.
    app.extensions.setdefault(FACTORS, [])
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = messages.SIGN_IN_REQUIRED
    login_manager.login_message_category = "info"
    # API clients get 401 as JSON (web.errors), never a redirect to the HTML sign-in page.
    login_manager.blueprint_login_views["api"] = None

"""Sign-in as a flow: a password, then (for accounts with a second factor) one more step.

`begin` checks the password and answers with one outcome: `SignedIn`, `Refused` (the generic
message), `Throttled`, or `NeedsStep` (the factors the user may use next). A pending step is a
record on the server: five minutes, single use, its token stored only as a hash, and the token
kept in the browser's own session, so it is bound to that browser. `finish` completes it.
`check_second_factor` is the one check of a factor (throttled, audited): the sign-in's second
step, turning two-factor off and a password reset use it. `reauthenticate` records a password
given again (passkey_signin.reauthenticate: a passkey), which sensitive changes ask to be
recent. passkey_signin.sign_in is the passwordless way in, ending in `start_session`. Nothing
here reads a request: the doors pass in the actor (address, device) and settings.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ..db import Index, collection
from . import accounts, audit, clock, recovery_codes, sessions, throttle, users
from .accounts import happened
from .audit import Actor
from .factors import Refusal
from .settings import Settings

PENDING = "pending_sign_ins"
INDEXES = [Index(PENDING, "expires_at", expireAfterSeconds=0, name="expires_at_ttl")]


@dataclass(frozen=True)
class SignedIn:
    """A new session: `token` goes to the browser, `session` is its record."""

    user: dict[str, Any]
    token: str
    session: dict[str, Any]


@dataclass(frozen=True)
class Refused:
    """Wrong credentials, or an account that may not sign in: the generic answer."""


@dataclass(frozen=True)
class Throttled:
    """Too many recent failures: try again in `retry_after` seconds."""

    retry_after: int


@dataclass(frozen=True)
class NeedsStep:
    """The password was right; one of `methods` must pass before anything is signed in."""

    token: str
    methods: tuple[str, ...]
    remember: bool


@dataclass(frozen=True)
class Expired:
    """The pending step is unknown, used, or older than its lifetime: start again."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def check_password(
    user_key_of: str, password: str, *, actor: Actor, settings: Settings, user_id: Any = None
) -> dict[str, Any] | Refused | Throttled:
    """The user whose name is `user_key_of` if `password` is theirs: throttled and audited.

    `user_id` labels a refused attempt's audit event when the caller already knows it (a
    signed-in user confirming their password); otherwise it is looked up only then.
    """
    key, now = users.username_key(user_key_of), clock.now()
    try:
        # Reserved before the password check, so parallel guesses cannot pass the limit.
        throttle.reserve(key, actor.ip, now=now, limits=settings.limits)
    except throttle.Throttled as e:
        if user_id is None:
            candidate = users.sign_in_candidate(user_key_of, settings.policy)
            user_id = candidate["_id"] if candidate else None
        # Every refusal is logged; the account's activity keeps the first of each lockout.
        happened(audit.SIGN_IN_THROTTLED, user_id, actor=actor, settings=settings, store=e.first)
        return Throttled(e.retry_after)
    user = users.sign_in_candidate(user_key_of, settings.policy)
    if not users.password_matches(user, password, settings.rounds):
        throttle.record_failure(key, actor.ip, now=now, limits=settings.limits)
        happened(
            audit.SIGN_IN_FAILED, user["_id"] if user else None, actor=actor, settings=settings
        )
        return Refused()
    throttle.record_success(key, actor.ip)
    assert user is not None  # password_matches is False without a user
    return user


def begin(
    username: str, password: str, *, remember: bool, actor: Actor, settings: Settings
) -> SignedIn | Refused | Throttled | NeedsStep:
    """The first step: the password. Signs in unless the account has a second factor."""
    checked = check_password(username, password, actor=actor, settings=settings)
    if isinstance(checked, Refused | Throttled):
        return checked
    methods = second_factor_methods(checked, settings)
    if not methods:
        return start_session(checked, remember=remember, actor=actor, settings=settings)
    happened(audit.PASSWORD_PASSED, checked["_id"], actor=actor, settings=settings)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    collection(PENDING, durable=True).insert_one(
        {
            "_id": _hash(token),
            "user_id": checked["_id"],
            "remember": bool(remember),
            "methods": list(methods),
            "created_at": now,
            "expires_at": now + settings.pending_lifetime,
        }
    )
    return NeedsStep(token, methods, bool(remember))


def pending(token: str | None) -> dict[str, Any] | None:
    """The live pending sign-in of `token`, or None."""
    if not isinstance(token, str):
        return None
    return collection(PENDING).find_one({"_id": _hash(token), "expires_at": {"$gt": clock.now()}})


def finish(
    token: str | None, method: str, answer: str, *, actor: Actor, settings: Settings
) -> SignedIn | Refused | Throttled | Expired:
    """The second step: `answer` for factor `method` completes the pending sign-in `token`."""
    record = pending(token)
    if record is None:
        return Expired()
    user = users.find_user_by_id(record["user_id"])
    if user is None or user.get("disabled"):
        return Expired()
    checked = check_second_factor(user, method, answer, actor=actor, settings=settings)
    if checked is not True:
        return checked if isinstance(checked, Throttled) else Refused()
    # Single use: of two requests that both passed, only the one that takes the record signs in.
    if collection(PENDING, durable=True).find_one_and_delete({"_id": record["_id"]}) is None:
        return Expired()
    if method == recovery_codes.NAME:
        accounts.recovery_code_used(user, actor=actor, settings=settings)
        # The new session shows the account as it is now: one recovery code fewer.
        user = users.find_user_by_id(user["_id"]) or user
    else:
        happened(
            audit.SECOND_STEP_PASSED, user["_id"], actor=actor, settings=settings, method=method
        )
    return start_session(user, remember=record["remember"], actor=actor, settings=settings)


def second_factor_methods(user: dict[str, Any], settings: Settings) -> tuple[str, ...]:
    """The factors `user` has: a sign-in (or a password reset) asks for one of them."""
    return tuple(f.name for f in settings.factors if f.enrolled(user))


def check_second_factor(
    user: dict[str, Any], method: str, answer: str, *, actor: Actor, settings: Settings
) -> bool | Throttled:
    """Whether `answer` passes factor `method` for `user` (a right answer is used up).

    Throttled per account apart from passwords (TWO_FACTOR_MAX_FAILURES) and audited when
    wrong: the second step of a sign-in, turning two-factor off and a password reset share it.
    """
    factor = settings.factor(method)
    if factor is None or not factor.enrolled(user):
        return False
    key, now = users.username_key(user["username"]), clock.now()
    step = throttle.SECOND_STEPS
    try:
        throttle.reserve(key, actor.ip, now=now, limits=settings.limits, namespace=step)
    except throttle.Throttled as e:
        happened(
            audit.SIGN_IN_THROTTLED, user["_id"], actor=actor, settings=settings, store=e.first
        )
        return Throttled(e.retry_after)
    verdict = factor.verify(user, answer, now)
    if not verdict:
        throttle.record_failure(key, actor.ip, now=now, limits=settings.limits, namespace=step)
        happened(
            audit.SECOND_STEP_FAILED, user["_id"], actor=actor, settings=settings, method=method
        )
        if isinstance(verdict, Refusal):
            happened(verdict.event, user["_id"], actor=actor, settings=settings, method=method)
        return False
    throttle.record_success(key, actor.ip, namespace=step)
    return True


def start_session(
    user: dict[str, Any], *, remember: bool, actor: Actor, settings: Settings
) -> SignedIn | Refused:
    """A new server-side session for `user`; Refused if the account was disabled or deleted
    while its password was being checked."""
    at = clock.now()
    token, record = sessions.create_session(
        user,
        ip=actor.ip,
        user_agent=actor.user_agent or "",
        remember=remember,
        now=at,
        life=settings.lifetimes,
    )
    # After the session exists: a disable or deletion either sees it and ends it, or has
    # already happened and this finds no account it may sign in to.
    signed_in = users.record_login(user, at)
    if signed_in is None:
        sessions.end_session(record["_id"])
        return Refused()
    happened(audit.SIGN_IN, user["_id"], actor=actor, settings=settings)
    return SignedIn(signed_in, token, record)


def confirm_password(
    user: dict[str, Any], password: str, *, actor: Actor, settings: Settings
) -> bool | Throttled:
    """Whether `password` is the signed-in `user`'s, throttled like a sign-in (so a stolen
    session cannot be used to guess the password)."""
    checked = check_password(
        user["username"], password, actor=actor, settings=settings, user_id=user["_id"]
    )
    return checked if isinstance(checked, Throttled) else not isinstance(checked, Refused)


def reauthenticate(
    user: dict[str, Any], session_id: str, password: str, *, actor: Actor, settings: Settings
) -> bool | Throttled:
    """Whether `password` is the signed-in `user`'s; if it is, the session counts as freshly
    authenticated, so sensitive changes are allowed for `settings.reauth_within`."""
    confirmed = confirm_password(user, password, actor=actor, settings=settings)
    if confirmed is True:
        reauthenticated(user, session_id, actor=actor, settings=settings, method="password")
    return confirmed


def reauthenticated(
    user: dict[str, Any], session_id: str, *, actor: Actor, settings: Settings, method: str
) -> None:
    """Record that `user` has just proven themselves again in session `session_id`."""
    sessions.authenticated(session_id, clock.now())
    happened(audit.REAUTHENTICATED, user["_id"], actor=actor, settings=settings, method=method)


def recently_authenticated(session: dict[str, Any], settings: Settings) -> bool:
    """Whether the session's user gave their password within `settings.reauth_within`."""
    return sessions.recently_authenticated(session, clock.now(), settings.reauth_within)


def sign_out(user: dict[str, Any], session_id: str, *, actor: Actor, settings: Settings) -> None:
    """End the session `session_id` of `user` on the server."""
    sessions.end_session(session_id)
    happened(audit.SIGN_OUT, user["_id"], actor=actor, settings=settings)

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..db import Index, collection
from . import accounts, audit, clock, devices, recovery_codes, sessions, throttle, users
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


Admit = Callable[[], None]


def check_password(
    identifier: str,
    password: str,
    *,
    actor: Actor,
    settings: Settings,
    admit: Admit | None = None,
    returning: bool = True,
    failed: str = audit.SIGN_IN_FAILED,
) -> dict[str, Any] | Refused | Throttled:
    """The user a sign-in as `identifier` (a username, or a confirmed address) is about, if
    `password` is theirs: throttled and audited.

    Failures count per account, whichever identifier was typed, so alternating a username
    and an address does not double the budget; with no such account, per typed identifier.
    A browser this account has signed in from before (its device cookie) has a budget of its
    own, so strangers' guesses do not lock the owner out. `admit()`, called once the attempt
    is not throttled and just before the password is checked, may refuse it by raising (the
    web's per-address limit on password checks). `returning` is False when `actor.device`
    was made for this sign-in, not sent by the browser: no account knows it yet. `failed`
    names the event of a wrong password: a sign-in's, or a signed-in user's confirmation.
    """
    now = clock.now()
    device = devices.hashed(actor.device) if returning else None
    by_email = settings.sign_in_with_email and "@" in identifier
    # A typed username names its counter; the account is read before the counters only when
    # they depend on it (an address, a device it may know), so a refusal is one read.
    user = _candidate(identifier, settings) if by_email or device else None
    key = users.username_key(user["username"] if user else identifier)
    known = device if users.knows_device(user or {}, device) else None
    budget = throttle.Budget.of(key, actor.ip, settings.limits, device=known)
    try:
        throttle.check(budget, now=now)
        if admit is not None:
            admit()
        # Reserved before the password check, so parallel guesses cannot pass the limit.
        throttle.reserve(budget, now=now, limits=settings.limits)
    except throttle.Throttled as e:
        return _throttled(e, user["_id"] if user else e.user_id, actor, settings)
    if not (by_email or device):
        user = _candidate(identifier, settings)
    user_id = user["_id"] if user else None
    if not users.password_matches(user, password, settings.rounds):
        _failed(failed, budget, user_id, now=now, actor=actor, settings=settings)
        return Refused()
    throttle.record_success(budget)
    assert user is not None  # password_matches is False without a user
    return user


def _candidate(identifier: str, settings: Settings) -> dict[str, Any] | None:
    return users.sign_in_candidate(
        identifier, settings.policy, by_email=settings.sign_in_with_email
    )


def _failed(
    event: str,
    budget: throttle.Budget,
    user_id: Any,
    *,
    now: Any,
    actor: Actor,
    settings: Settings,
    **details: Any,
) -> None:
    """Count a wrong answer and audit it; the one that locks the account is announced once
    (ACCOUNT_LOCKED: its activity, and its owner's notice in mail.notices)."""
    locked = throttle.record_failure(budget, now=now, limits=settings.limits, user_id=user_id)
    happened(event, user_id, actor=actor, settings=settings, **details)
    if locked:
        happened(audit.ACCOUNT_LOCKED, user_id, actor=actor, settings=settings)


def _throttled(e: throttle.Throttled, user_id: Any, actor: Actor, settings: Settings) -> Throttled:
    # Every refusal is logged, never stored: the lockout itself is stored once, when it
    # happens (ACCOUNT_LOCKED), so hammering cannot push the real events out of the list.
    happened(audit.SIGN_IN_THROTTLED, user_id, actor=actor, settings=settings, store=False)
    return Throttled(e.retry_after)


def begin(
    username: str,
    password: str,
    *,
    remember: bool,
    actor: Actor,
    settings: Settings,
    admit: Admit | None = None,
    returning: bool = True,
) -> SignedIn | Refused | Throttled | NeedsStep:
    """The first step: the password. Signs in unless the account has a second factor."""
    checked = check_password(
        username, password, actor=actor, settings=settings, admit=admit, returning=returning
    )
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
    budget = throttle.Budget.of(key, actor.ip, settings.limits, namespace=throttle.SECOND_STEPS)
    try:
        throttle.check(budget, now=now)
        throttle.reserve(budget, now=now, limits=settings.limits)
    except throttle.Throttled as e:
        return _throttled(e, user["_id"], actor, settings)
    verdict = factor.verify(user, answer, now)
    if not verdict:
        _failed(
            audit.SECOND_STEP_FAILED,
            budget,
            user["_id"],
            now=now,
            actor=actor,
            settings=settings,
            method=method,
        )
        if isinstance(verdict, Refusal):
            happened(verdict.event, user["_id"], actor=actor, settings=settings, method=method)
        return False
    throttle.record_success(budget)
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
    # A client signing in over and over cannot pile up sessions: the oldest end.
    sessions.trim_user_sessions(user["_id"], keep=settings.max_sessions)
    happened(
        audit.SIGN_IN,
        user["_id"],
        actor=actor,
        settings=settings,
        new_device=_new_device(user, actor),
    )
    return SignedIn(signed_in, token, record)


def _new_device(user: dict[str, Any], actor: Actor) -> bool:
    """Remember the actor's device for `user`; True if the account had signed in before, but
    never from it (an account's first device is not news)."""
    device = devices.hashed(actor.device)
    if device is None or users.knows_device(user, device):
        return False
    return users.remember_device(user["_id"], device) and bool(user.get("known_devices"))


def confirm_password(
    user: dict[str, Any],
    password: str,
    *,
    actor: Actor,
    settings: Settings,
    admit: Admit | None = None,
) -> bool | Throttled:
    """Whether `password` is the signed-in `user`'s, throttled like a sign-in (so a stolen
    session cannot be used to guess the password)."""
    checked = check_password(
        user["username"],
        password,
        actor=actor,
        settings=settings,
        admit=admit,
        failed=audit.PASSWORD_CONFIRMATION_FAILED,
    )
    return checked if isinstance(checked, Throttled) else not isinstance(checked, Refused)


def reauthenticate(
    user: dict[str, Any],
    session_id: str,
    password: str,
    *,
    actor: Actor,
    settings: Settings,
    admit: Admit | None = None,
) -> bool | Throttled:
    """Whether `password` is the signed-in `user`'s; if it is, the session counts as freshly
    authenticated, so sensitive changes are allowed for `settings.reauth_within`."""
    confirmed = confirm_password(user, password, actor=actor, settings=settings, admit=admit)
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

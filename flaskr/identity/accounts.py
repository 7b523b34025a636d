"""The one door for changes to an account: every view, API route and CLI command calls it.

Each change keeps the rules that come with it (disabling ends every session, a new password
ends the other sessions, lifts a lockout and kills reset links, an address counts once it is
confirmed, deletion removes everything the account owns), writes the audit event with its
`actor`, then sends the signal of the same name (signals.py) for those who react to it.
"""

from __future__ import annotations

import enum
import re
from datetime import timedelta
from typing import Any

from .. import messages
from . import (
    addresses,
    admins,
    audit,
    ceremonies,
    challenges,
    clock,
    passkeys,
    recovery_codes,
    sessions,
    signals,
    throttle,
    tokens,
    totp,
    users,
)
from .audit import Actor
from .settings import Settings

User = dict[str, Any]  # a user document, or at least its "_id" and "username"


# How long a new authenticator secret waits for its first code before it is forgotten.
SETUP_LIFETIME = timedelta(minutes=15)


class Asked(enum.Enum):
    """What asking to use an address led to."""

    SENT = "sent"  # a confirmation link is on its way to the address
    # Another account has it: its owner was told. Answer as for SENT, or forms would tell.
    IN_USE = "in_use"
    UNCHANGED = "unchanged"  # it is already this account's confirmed address


class Invalid(Exception):
    """The input breaks the policy: `fields` maps each field to the reason."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


class TwoFactorState(Exception):
    """The account's two-factor sign-in is not in the state the change needs."""


class AlreadyOn(TwoFactorState):
    """The authenticator app is already on: turn it off first."""


class NotOn(TwoFactorState):
    """Two-factor sign-in is off: there is nothing to turn off or renew."""


class NoSetup(TwoFactorState):
    """No authenticator is being set up (never started, expired, or replaced by a newer one)."""


class TooManyPasskeys(TwoFactorState):
    """The account has passkeys.MAX_PER_USER already: remove one first."""


def happened(
    event: str,
    user_id: Any,
    *,
    actor: Actor,
    settings: Settings,
    store: bool = True,
    **details: Any,
) -> None:
    """Audit `event` about `user_id` (None: no such account), then announce it."""
    audit.record(
        event,
        user_id=user_id,
        actor=actor,
        now=clock.now(),
        retention=settings.audit_retention,
        store=store,
        details={k: str(details[k]) for k in audit.STORED_DETAILS if k in details},
    )
    if user_id is not None:
        signals.send(event, user_id, actor=actor, **details)


def _done(event: str, user: User, *, actor: Actor, settings: Settings, **details: Any) -> None:
    """`happened` for a change to `user`: the signal also carries the username."""
    happened(
        event, user["_id"], actor=actor, settings=settings, username=user["username"], **details
    )


def create_account(
    username: str,
    password: str,
    *,
    email: str | None = None,
    language: str | None = None,
    actor: Actor,
    settings: Settings,
) -> User:
    """A new account, with `email` (optional unless settings.email_required) awaiting
    confirmation and its mail in `language` (one of settings.languages, else the default);
    raises Invalid (policy) or users.UsernameTaken."""
    policy = settings.policy
    problems = {
        name: reason
        for name, reason in (
            ("username", policy.username_problem(username)),
            ("password", policy.password_problem(password, username)),
            ("email", email_problem(email, settings)),
        )
        if reason
    }
    if problems:
        raise Invalid(problems)
    email = addresses.checked(email) if email else None
    language = language if language in settings.languages else None
    user = users.create_user(username, password, settings.rounds, email=email, language=language)
    _done(audit.ACCOUNT_CREATED, user, actor=actor, settings=settings)
    if email:
        _ask_confirmation(user, email, actor=actor, settings=settings)
    return user


def set_language(user: User, language: str, *, actor: Actor, settings: Settings) -> bool:
    """Write the language the account's mail is written in; False if it is not one of
    settings.languages or is already the account's."""
    if not isinstance(language, str) or language not in settings.languages:
        return False
    if not users.set_language(user["_id"], language):
        return False
    _done(audit.LANGUAGE_CHANGED, user, actor=actor, settings=settings, language=language)
    return True


def email_problem(email: str | None, settings: Settings) -> str | None:
    """Why `email` cannot be a new account's address (missing when required, or invalid)."""
    if not email:
        return messages.EMAIL_REQUIRED if settings.email_required else None
    try:
        addresses.checked(email)
    except addresses.BadAddress as e:
        return str(e)
    return None


def _ask_confirmation(user: User, email: str, *, actor: Actor, settings: Settings) -> Asked:
    """Send `email` a link that confirms it for `user`, replacing any earlier link; when
    another account has confirmed it, tell that account's owner instead."""
    tokens.revoke(user["_id"], tokens.CONFIRM_EMAIL)
    owner = users.find_by_email(email)
    if owner is not None and owner["_id"] != user["_id"]:
        _done(audit.EMAIL_CLAIMED, owner, actor=actor, settings=settings)
        token, asked = None, Asked.IN_USE
    else:
        life = settings.confirm_lifetime
        token = tokens.issue(tokens.CONFIRM_EMAIL, user["_id"], address=email, life=life)
        asked = Asked.SENT
    # The link goes out by mail (mail.notices) when there is one.
    _done(
        audit.EMAIL_CHANGE_REQUESTED,
        user,
        actor=actor,
        settings=settings,
        address=email,
        token=token,
    )
    return asked


def request_email(user: User, email: str, *, actor: Actor, settings: Settings) -> Asked:
    """Ask to use `email` for `user`: it takes effect once confirmed through the link sent to
    it (the confirmed address, if any, stays until then). Invalid for a bad address."""
    try:
        email = addresses.checked(email)
    except addresses.BadAddress as e:
        raise Invalid({"email": str(e)}) from None
    if addresses.key(email) == user.get("email_key"):
        users.clear_pending_email(user["_id"])
        tokens.revoke(user["_id"], tokens.CONFIRM_EMAIL)
        return Asked.UNCHANGED
    users.set_pending_email(user["_id"], email)
    sessions.copy_address(user["_id"])
    return _ask_confirmation(user, email, actor=actor, settings=settings)


def resend_confirmation(user: User, *, actor: Actor, settings: Settings) -> Asked | None:
    """Send the link for the address awaiting confirmation again (a new link: the old one
    dies); None when no address awaits it."""
    if not user.get("pending_email"):
        return None
    return _ask_confirmation(user, user["pending_email"], actor=actor, settings=settings)


def confirm_email(link: str, *, actor: Actor, settings: Settings) -> User | None:
    """Use the confirmation `link` token: its address becomes the account's; return the user
    as it was before (None: the link is unknown, used, revoked or expired). Raises
    users.EmailTaken when another account confirmed the address first."""
    record = tokens.consume(link, tokens.CONFIRM_EMAIL)
    if record is None:
        return None
    before = users.confirm_email(record["user_id"], record["address"])
    if before is None:
        return None
    sessions.copy_address(before["_id"])
    if before.get("email"):
        # Reset links went to the old address: only the new one may receive them now.
        tokens.revoke(before["_id"], tokens.RESET_PASSWORD)
    _done(
        audit.EMAIL_CONFIRMED,
        before,
        actor=actor,
        settings=settings,
        address=record["address"],
        previous=before.get("email"),
    )
    return before


def remove_email(user: User, *, actor: Actor, settings: Settings) -> bool:
    """Forget the account's addresses and the links sent to them; False if it had none."""
    before = users.remove_email(user["_id"])
    if before is None or not (before.get("email") or before.get("pending_email")):
        return False
    sessions.copy_address(user["_id"])
    tokens.revoke(user["_id"], tokens.CONFIRM_EMAIL)
    tokens.revoke(user["_id"], tokens.RESET_PASSWORD)
    # The removed confirmed address hears of it (mail.notices).
    _done(audit.EMAIL_REMOVED, user, actor=actor, settings=settings, address=before.get("email"))
    return True


def request_reset(user: User, *, actor: Actor, settings: Settings) -> bool:
    """Send a password reset link to the account's confirmed address, killing older links;
    False (nothing sent) when it has none or is disabled."""
    if not user.get("email") or user.get("disabled"):
        return False
    tokens.revoke(user["_id"], tokens.RESET_PASSWORD)
    token = tokens.issue(
        tokens.RESET_PASSWORD, user["_id"], address=user["email"], life=settings.reset_lifetime
    )
    _done(
        audit.PASSWORD_RESET_REQUESTED,
        user,
        actor=actor,
        settings=settings,
        address=user["email"],
        token=token,
    )
    return True


def reset_password(
    user: User, password: str, *, link: str, actor: Actor, settings: Settings
) -> int | None:
    """Use the reset `link` token to set `password`: every session of the account ends, every
    other reset link dies, a lockout lifts. Return sessions ended, None if the link was used
    meanwhile; Invalid for a password the policy refuses (the link stays usable)."""
    problem = settings.policy.password_problem(password, user["username"])
    if problem:
        raise Invalid({"password": problem})
    if tokens.consume(link, tokens.RESET_PASSWORD, user["_id"]) is None:
        return None
    users.set_password(user["_id"], password, settings.rounds)
    ended = sessions.end_user_sessions(user["_id"])
    tokens.revoke(user["_id"], tokens.RESET_PASSWORD)
    throttle.clear_user(users.username_key(user["username"]))
    _done(audit.PASSWORD_RESET, user, actor=actor, settings=settings, sessions_ended=ended)
    return ended


def change_password(
    user: User, password: str, *, actor: Actor, settings: Settings, keep: str | None = None
) -> int:
    """Set a new password, end the account's sessions but `keep`, lift any sign-in lockout;
    return how many sessions ended. Raises Invalid for a password the policy refuses."""
    problem = settings.policy.password_problem(password, user["username"])
    if problem:
        raise Invalid({"password": problem})
    users.set_password(user["_id"], password, settings.rounds)
    # Other devices, remember-me cookies included, must sign in with the new password.
    ended = sessions.end_user_sessions(user["_id"], keep=keep)
    # A reset link sent before the change must not undo it.
    tokens.revoke(user["_id"], tokens.RESET_PASSWORD)
    throttle.clear_user(users.username_key(user["username"]))
    _done(audit.PASSWORD_CHANGED, user, actor=actor, settings=settings, sessions_ended=ended)
    return ended


def disable_account(user: User, *, actor: Actor, settings: Settings) -> int:
    """Refuse the account's sign-ins and end all its sessions; return how many ended."""
    # The flag first: a sign-in racing with this either sees it (signin.start_session) or
    # started its session early enough to be ended here.
    # Raises LastAdmin rather than leave the service without an active administrator.
    admins.leave(user["_id"], lambda only: users.disable_if(user["_id"], only))
    ended = sessions.end_user_sessions(user["_id"])
    _done(audit.ACCOUNT_DISABLED, user, actor=actor, settings=settings, sessions_ended=ended)
    return ended


def enable_account(user: User, *, actor: Actor, settings: Settings) -> None:
    """Allow a disabled account to sign in again, and lift any sign-in lockout."""
    admins.arrive(
        user["_id"],
        lambda only: users.enable_if(user["_id"], only),
        counted=users.HAS_ADMIN,
        uncounted=users.NO_ADMIN,
        needed=users.is_disabled,
    )
    throttle.clear_user(users.username_key(user["username"]))
    _done(audit.ACCOUNT_ENABLED, user, actor=actor, settings=settings)


def unlock_account(user: User, *, actor: Actor, settings: Settings) -> None:
    """Forget the account's failed sign-ins, lifting a lockout before it expires."""
    throttle.clear_user(users.username_key(user["username"]))
    _done(audit.ACCOUNT_UNLOCKED, user, actor=actor, settings=settings)


def end_session(user: User, session_id: str, *, actor: Actor, settings: Settings) -> bool:
    """End one of the account's sessions; False when it has no such session (or not now)."""
    if not sessions.end_user_session(user["_id"], session_id):
        return False
    _done(audit.SESSION_REVOKED, user, actor=actor, settings=settings)
    return True


def end_other_sessions(user: User, keep: str | None, *, actor: Actor, settings: Settings) -> int:
    """End every session of the account but `keep` (None: all of them); return how many."""
    ended = sessions.end_user_sessions(user["_id"], keep=keep)
    _done(audit.SIGNED_OUT_EVERYWHERE, user, actor=actor, settings=settings, sessions_ended=ended)
    return ended


def delete_account(user: User, *, actor: Actor, settings: Settings) -> int:
    """Delete the account, its sessions, audit events and failure counter; return sessions
    ended. The deletion itself is logged, not stored: the account's events are what went."""
    # The user first: no new session can start for them, and whatever a crash leaves
    # behind belongs to nobody. Raises LastAdmin for the last active administrator.
    admins.leave(user["_id"], lambda only: users.delete_if(user["_id"], only))
    ended = sessions.end_user_sessions(user["_id"])
    passkeys.remove_all(user["_id"])
    audit.delete_user_events(user["_id"])
    tokens.delete_user_tokens(user["_id"])
    throttle.clear_user(users.username_key(user["username"]))
    _done(
        audit.ACCOUNT_DELETED,
        user,
        actor=actor,
        settings=settings,
        store=False,
        sessions_ended=ended,
    )
    return ended


def _carry_two_factor(user: User) -> User:
    """Show the account's two-factor state, as it is now, on every page of its sessions;
    return the account as it is now."""
    fresh = users.find_user_by_id(user["_id"])
    if fresh is None:
        return user
    sessions.carry_two_factor(fresh)
    return fresh


def start_totp_setup(user: User, *, settings: Settings) -> str:
    """A new secret for the account's authenticator app, kept sealed until its first code
    confirms it (enable_totp); raises AlreadyOn. The plain secret is for the user's eyes."""
    assert settings.keys is not None, "two-factor sign-in needs the encryption keys"
    secret = totp.new_secret()
    sealed = settings.keys.seal(secret, totp.context(user["_id"]))
    if not users.start_totp_setup(user["_id"], sealed, clock.now() + SETUP_LIFETIME):
        raise AlreadyOn()
    return secret


def enable_totp(user: User, code: str, *, actor: Actor, settings: Settings) -> list[str] | None:
    """Turn two-factor sign-in on if `code` is right for the secret being set up; return the
    new recovery codes (to show once), or None for a wrong code. Raises AlreadyOn, NoSetup."""
    now, fresh = clock.now(), users.find_user_by_id(user["_id"])
    if fresh is not None and users.totp_secret(fresh):
        raise AlreadyOn()
    pending = totp.pending_secret(fresh, settings.keys, now) if fresh else None
    if pending is None:
        raise NoSetup()
    sealed, secret = pending
    step = totp.matching_step(secret, code, now)
    if step is None:
        return None
    codes = recovery_codes.generate(settings.recovery_codes)
    kept = recovery_codes.stored(codes, settings.rounds)
    if not users.enable_totp(user["_id"], sealed, step, kept, now):
        raise NoSetup()  # replaced by a newer setup, or confirmed by a parallel request
    _carry_two_factor(user)
    _done(audit.TWO_FACTOR_ENABLED, user, actor=actor, settings=settings, recovery_codes=len(codes))
    return codes


def new_recovery_codes(user: User, *, actor: Actor, settings: Settings) -> list[str]:
    """Replace every recovery code of the account with new ones (to show once); raises NotOn."""
    codes = recovery_codes.generate(settings.recovery_codes)
    if not users.replace_recovery_codes(user["_id"], recovery_codes.stored(codes, settings.rounds)):
        raise NotOn()
    _carry_two_factor(user)
    _done(audit.RECOVERY_CODES_REGENERATED, user, actor=actor, settings=settings)
    return codes


def recovery_code_used(user: User, *, actor: Actor, settings: Settings) -> int:
    """Announce that a recovery code of the account was used up; return how many are left."""
    left = len(users.recovery_codes(_carry_two_factor(user)))
    _done(audit.RECOVERY_CODE_USED, user, actor=actor, settings=settings, remaining=left)
    return left


def disable_two_factor(
    user: User, *, actor: Actor, settings: Settings, keep: str | None = None
) -> int:
    """Turn two-factor sign-in off (the caller has checked a code) and end every session of
    the account but `keep`; return how many ended. Raises NotOn."""
    if not users.remove_two_factor(user["_id"]):
        raise NotOn()
    ended = sessions.end_user_sessions(user["_id"], keep=keep)
    _carry_two_factor(user)
    _done(audit.TWO_FACTOR_DISABLED, user, actor=actor, settings=settings, sessions_ended=ended)
    return ended


def reset_two_factor(user: User, *, actor: Actor, settings: Settings) -> bool:
    """An administrator removes a lost factor: the authenticator app, recovery codes and
    passkeys go, so the password alone signs in again. False when the account had none."""
    app_removed = users.remove_two_factor(user["_id"])
    removed = passkeys.remove_all(user["_id"])
    if not (app_removed or removed):
        return False
    _carry_two_factor(user)
    _done(audit.TWO_FACTOR_RESET, user, actor=actor, settings=settings, passkeys_removed=removed)
    return True


def _named(name: str) -> str:
    """`name` if it can name a passkey; raises Invalid."""
    problem = passkeys.name_problem(name)
    if problem:
        raise Invalid({"name": problem})
    return name


def add_passkey(
    user: User,
    credential: object,
    name: str | None,
    *,
    binding: str,
    actor: Actor,
    settings: Settings,
) -> dict[str, Any]:
    """Keep the new passkey `credential` proves, made in this browser (`binding`) for the
    account's registration challenge, as `name` (None: named after the device). Raises
    Invalid, TooManyPasskeys, challenges.Expired, ceremonies.NotVerified, AlreadyRegistered."""
    name = _named(name or passkeys.default_name(actor.user_agent))
    if passkeys.count(user["_id"]) >= passkeys.MAX_PER_USER:
        raise TooManyPasskeys()
    if settings.relying_party is None:
        raise challenges.Expired()
    new = ceremonies.verify_registration(
        settings.relying_party, credential, user_id=user["_id"], binding=binding, now=clock.now()
    )
    try:
        added = passkeys.add(user["_id"], new, name, clock.now())
    except passkeys.Full:
        raise TooManyPasskeys() from None
    _carry_two_factor(user)
    _done(audit.PASSKEY_ADDED, user, actor=actor, settings=settings, passkey=added["name"])
    return added


def rename_passkey(
    user: User, passkey_id: str, name: str, *, actor: Actor, settings: Settings
) -> dict[str, Any] | None:
    """Rename one of the account's passkeys; None if it has no such one. Raises Invalid."""
    renamed = passkeys.rename(user["_id"], passkey_id, _named(name))
    if renamed is not None:
        _done(audit.PASSKEY_RENAMED, user, actor=actor, settings=settings, passkey=renamed["name"])
    return renamed


def remove_passkey(
    user: User, passkey_id: str, *, actor: Actor, settings: Settings
) -> dict[str, Any] | None:
    """Remove one of the account's passkeys (it signs in no more); None if there is no such
    one (also when a parallel request removed it first)."""
    removed = passkeys.remove(user["_id"], passkey_id)
    if removed is not None:
        _carry_two_factor(user)
        _done(audit.PASSKEY_REMOVED, user, actor=actor, settings=settings, passkey=removed["name"])
    return removed


# Roles: a name of lower-case letters, digits, "-" and "_", starting with a letter.
ROLE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
LastAdmin = admins.LastAdmin


def _checked_role(role: str) -> str:
    if not isinstance(role, str) or not ROLE_NAME.fullmatch(role):
        raise Invalid({"role": str(messages.ROLE_NAME)})
    return role


def grant_role(user: User, role: str, *, actor: Actor, settings: Settings) -> bool:
    """Give the account `role`; False if it had it already (or is gone). Raises Invalid."""
    if _checked_role(role) == users.ADMIN:
        granted = admins.arrive(
            user["_id"],
            lambda only: users.add_role(user["_id"], role, only),
            counted=users.ENABLED,
            uncounted=users.DISABLED,
            needed=lambda now: role not in users.roles(now),
        )
    else:
        granted = bool(users.add_role(user["_id"], role))
    if not granted:
        return False
    sessions.carry_roles(user["_id"])
    _done(audit.ROLE_GRANTED, user, actor=actor, settings=settings, role=role)
    return True


def revoke_role(user: User, role: str, *, actor: Actor, settings: Settings) -> bool:
    """Take `role` from the account; False if it did not have it (or is gone). Raises
    Invalid, or LastAdmin rather than take `admin` from the last active administrator."""
    _checked_role(role)
    if role == users.ADMIN:
        taken = admins.leave(user["_id"], lambda only: users.remove_role(user["_id"], role, only))
    else:
        taken = users.remove_role(user["_id"], role)
    if not taken:
        return False
    sessions.carry_roles(user["_id"])
    _done(audit.ROLE_REVOKED, user, actor=actor, settings=settings, role=role)
    return True

"""The signed-in user's two-factor sign-in, for this request: the pages and the API share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_login import current_user

from ..identity import accounts, clock, recovery_codes, signin, totp, users
from .context import account, actor, settings


@dataclass(frozen=True)
class Setup:
    """An authenticator secret being set up, in the forms an app takes it."""

    secret: str  # base32, as apps take it typed
    grouped: str  # the same in groups of four, for reading
    uri: str  # otpauth://totp/<issuer>:<username>?secret=...&issuer=...

    @classmethod
    def of(cls, secret: str) -> Setup:
        uri = totp.provisioning_uri(secret, current_user.username, settings().totp_issuer)
        return cls(secret=secret, grouped=totp.grouped(secret), uri=uri)


@dataclass(frozen=True)
class Status:
    """What is on: the authenticator app (since when) and how many recovery codes are left."""

    totp: bool
    enabled_at: datetime | None
    recovery_codes_left: int


def status() -> Status:
    """The account's two-factor state, read from the account itself."""
    user = current_user.doc
    return Status(
        totp=users.totp_secret(user) is not None,
        enabled_at=users.totp_enabled_at(user),
        recovery_codes_left=len(users.recovery_codes(user)),
    )


def start_setup() -> Setup:
    """A new secret for the user's authenticator app; raises accounts.AlreadyOn."""
    return Setup.of(accounts.start_totp_setup(account(current_user), settings=settings()))


def pending_setup() -> Setup | None:
    """The setup in progress (its secret not confirmed yet), or None."""
    pending = totp.pending_secret(current_user.doc, settings().keys, clock.now())
    return Setup.of(pending[1]) if pending else None


def confirm(code: str) -> list[str] | None:
    """Turn two-factor sign-in on with the setup's first `code`: the recovery codes to show
    once, or None for a wrong code. Raises accounts.AlreadyOn or accounts.NoSetup."""
    return accounts.enable_totp(account(current_user), code, actor=actor(), settings=settings())


def method_of(answer: str) -> str:
    """Which factor a typed answer is for: six digits are a code, anything else a recovery
    code (one field takes both)."""
    return totp.NAME if totp.normalised(answer) else recovery_codes.NAME


def check(method: str, answer: str) -> bool | signin.Throttled:
    """Whether `answer` passes `method` for the user (used up if right; throttled per
    account like the second step of a sign-in). False when two-factor sign-in is off."""
    return signin.check_second_factor(
        current_user.doc, method, answer, actor=actor(), settings=settings()
    )


def disable() -> int:
    """Turn two-factor sign-in off (after `check`) and end the user's other sessions; return
    how many ended. Raises accounts.NotOn."""
    return accounts.disable_two_factor(
        account(current_user), actor=actor(), settings=settings(), keep=current_user.session_id
    )


def new_codes() -> list[str]:
    """New recovery codes in place of all the old ones; raises accounts.NotOn."""
    return accounts.new_recovery_codes(account(current_user), actor=actor(), settings=settings())

"""The authenticator-app factor: TOTP (RFC 6238) codes, each time step accepted once.

A secret is 160 random bits (pyotp), kept in the user document only sealed (secrets_box),
bound to its account. A code is 6 digits for the current 30-second step or one step either
side; the step of an accepted code is stored with an atomic "only if newer" update, so a code
(or an older one) is never accepted twice, not even by two requests racing with it.
"""

from __future__ import annotations

import hmac
import logging
from datetime import datetime
from typing import Any

import pyotp

from . import users
from .secrets_box import Keyring, Unreadable

NAME = "totp"
DIGITS = 6
INTERVAL = 30
WINDOW = 1  # steps either side of the current one: a phone's clock may be off by a little

log = logging.getLogger("flaskr.two_factor")


def new_secret() -> str:
    """A new random secret: 160 bits, as the base32 text authenticator apps take."""
    return pyotp.random_base32()


def context(user_id: Any) -> str:
    """What a sealed secret is bound to: this use, for this account."""
    return f"totp:{user_id}"


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The `otpauth://totp/...` link that opens (or is scanned into) an authenticator app."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def normalised(code: object) -> str | None:
    """The code as six digits (spaces a person typed removed), or None if it is not one."""
    if not isinstance(code, str):
        return None
    digits = "".join(code.split())
    # isascii first: isdigit() also accepts other scripts' digits, which no app shows.
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def step(now: datetime) -> int:
    """The 30-second time step `now` falls in."""
    return int(now.timestamp()) // INTERVAL


def matching_step(secret: str, code: object, now: datetime) -> int | None:
    """The newest step within the window whose code `code` is, or None."""
    digits = normalised(code)
    if digits is None:
        return None
    totp, current = pyotp.TOTP(secret), step(now)
    found = None
    for candidate in range(current - WINDOW, current + WINDOW + 1):
        # Compared in constant time, every candidate: the time taken says nothing.
        if hmac.compare_digest(totp.at(candidate * INTERVAL), digits):
            found = candidate
    return found


def pending_secret(
    user: dict[str, Any], keys: Keyring | None, now: datetime
) -> tuple[str, str] | None:
    """The secret being set up for `user`, sealed and plain; None if there is none (or it
    has expired, or no configured key opens it)."""
    sealed = users.pending_totp_secret(user, now)
    if sealed is None or keys is None:
        return None
    try:
        return sealed, keys.open(sealed, context(user["_id"]))
    except Unreadable:
        return None


def reseal_all(keys: Keyring) -> tuple[int, int]:
    """Seal every stored secret again with the current key (after a rotation, so the old
    key can go); return how many were resealed and how many no configured key opens."""
    resealed = unreadable = 0
    for user_id, field, sealed in users.sealed_totp_secrets():
        if keys.is_current(sealed):
            continue
        try:
            plain = keys.open(sealed, context(user_id))
        except Unreadable:
            unreadable += 1
            continue
        fresh = keys.seal(plain, context(user_id))
        resealed += users.reseal_totp_secret(user_id, field, sealed, fresh)
    return resealed, unreadable


class TotpFactor:
    """The `totp` second factor of the sign-in flow (identity.factors.Factor)."""

    name = NAME

    def __init__(self, keys: Keyring) -> None:
        self.keys = keys

    def enrolled(self, user: dict[str, Any]) -> bool:
        return users.totp_secret(user) is not None

    def secret(self, user: dict[str, Any], sealed: str) -> str | None:
        """The plain secret of `sealed` for `user`, or None (logged) when no key opens it."""
        try:
            return self.keys.open(sealed, context(user["_id"]))
        except Unreadable as e:
            # Every code of this account fails until the key is configured again.
            log.error("TOTP secret of user %s cannot be read: %s", user["_id"], e)
            return None

    def verify(self, user: dict[str, Any], answer: str, now: datetime) -> bool:
        sealed = users.totp_secret(user)
        secret = self.secret(user, sealed) if sealed else None
        found = matching_step(secret, answer, now) if secret else None
        # Used up atomically: of two requests with one code, only one stores its step.
        return found is not None and users.use_totp_step(user["_id"], sealed, found)

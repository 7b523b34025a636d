"""Passkeys in the sign-in flow: the passwordless sign-in and re-authentication.

A passkey with user verification (a PIN or biometrics on the authenticator) is both factors:
a right one starts a session through `signin.start_session`, no code asked after it. As the
second step after a password a passkey is a factor like the others (ceremonies.PasskeyFactor).
Refusals are audited on the account they concern; a challenge that is not live is `Expired`.
"""

from __future__ import annotations

from typing import Any

from . import audit, ceremonies, challenges, clock, signin
from .accounts import happened
from .audit import Actor
from .settings import Settings


def _passkey(credential: Any, *, purpose: str, user_id: Any, binding: str, actor, settings):
    """The passkey `credential` proves for `purpose` (ceremonies.verify_assertion), or the
    outcome to answer with: Expired, or Refused (audited on the account it concerns)."""
    if settings.relying_party is None:
        return signin.Expired()
    try:
        return ceremonies.verify_assertion(
            settings.relying_party,
            credential,
            purpose=purpose,
            user_id=user_id,
            binding=binding,
            now=clock.now(),
        )
    except challenges.Expired:
        return signin.Expired()
    except ceremonies.NotVerified as e:
        happened(e.event, e.user_id, actor=actor, settings=settings)
        return signin.Refused()


def sign_in(
    credential: Any, *, binding: str, remember: bool, actor: Actor, settings: Settings
) -> signin.SignedIn | signin.Refused | signin.Expired:
    """A passwordless sign-in: a passkey with user verification is both factors, so a right
    one answering this browser's sign-in challenge starts a session, no code asked after it."""
    proven = _passkey(
        credential,
        purpose=challenges.SIGN_IN,
        user_id=None,
        binding=binding,
        actor=actor,
        settings=settings,
    )
    if not isinstance(proven, ceremonies.Verified):
        return proven
    user = proven.user
    if user.get("disabled"):
        happened(audit.PASSKEY_FAILED, user["_id"], actor=actor, settings=settings)
        return signin.Refused()
    happened(audit.PASSKEY_SIGN_IN, user["_id"], actor=actor, settings=settings)
    return signin.start_session(user, remember=remember, actor=actor, settings=settings)


def reauthenticate(
    user: dict[str, Any],
    session_id: str,
    credential: Any,
    *,
    binding: str,
    actor: Actor,
    settings: Settings,
) -> bool | signin.Expired:
    """Whether `credential` is a passkey of the signed-in `user` (never another account's,
    however valid) with user verification; if so, as signin.reauthenticate with the password."""
    proven = _passkey(
        credential,
        purpose=challenges.REAUTHENTICATE,
        user_id=user["_id"],
        binding=binding,
        actor=actor,
        settings=settings,
    )
    if isinstance(proven, signin.Expired):
        return proven
    if not isinstance(proven, ceremonies.Verified):
        return False
    signin.reauthenticated(user, session_id, actor=actor, settings=settings, method=ceremonies.NAME)
    return True

"""WebAuthn ceremonies (py_webauthn): options made here, their challenges kept on the server.

Each ceremony's challenge is kept by `challenges` and taken (used up) before anything is
verified. py_webauthn checks the signature, origin, RP ID and flags; what it leaves to the app
is done here: the credential must be stored, belong to the expected account (a
re-authentication accepts only the signed-in user's own), and return that owner's user
handle; the sign count must grow.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    options_to_json_dict,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from . import audit, passkeys, users
from .challenges import (
    CHALLENGE_BYTES,
    LIFETIME,
    REAUTHENTICATE,
    REGISTER,
    SECOND_STEP,
    SIGN_IN,
    UNVERIFIABLE,
    Expired,
    remember,
    take,
)
from .factors import Refusal
from .relying_party import RelyingParty

NAME = "passkey"  # the second factor's name (factors.Factor)
# The ceremonies that stand in for a password require user verification (PIN, biometrics).
VERIFIES_USER = (SIGN_IN, REAUTHENTICATE)
TIMEOUT_MS = int(LIFETIME.total_seconds() * 1000)


class NotVerified(Exception):
    """The answer does not prove the passkey. `user_id`: the account it concerns when known;
    `event`: the audit event it is worth."""

    def __init__(self, user_id: ObjectId | None = None, event: str = audit.PASSKEY_FAILED) -> None:
        super().__init__(event)
        self.user_id = user_id
        self.event = event


@dataclass(frozen=True)
class Verified:
    """A passkey proven by a signature over a live challenge, and its owner's account."""

    passkey: dict[str, Any]
    user: dict[str, Any]


_TRANSPORTS = {t.value for t in AuthenticatorTransport}


def _descriptors(user_id: ObjectId) -> list[PublicKeyCredentialDescriptor]:
    out = []
    for credential_id, transports in passkeys.descriptors(user_id):
        known = [AuthenticatorTransport(t) for t in transports if t in _TRANSPORTS]
        out.append(
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(credential_id), transports=known)
        )
    return out


def registration_options(
    rp: RelyingParty, user: dict[str, Any], *, binding: str, now: datetime
) -> dict[str, Any]:
    """Options for navigator.credentials.create(): a discoverable credential for `user`
    (their random user handle, never the username), none of their passkeys again."""
    handle = users.ensure_webauthn_handle(user["_id"])
    if handle is None:
        raise Expired()  # the account is gone
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user["username"],
        user_id=handle,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user["_id"]),
    )
    remember(challenge, binding=binding, purpose=REGISTER, user_id=user["_id"], now=now)
    return options_to_json_dict(options)


def request_options(
    rp: RelyingParty, purpose: str, *, user_id: ObjectId | None, binding: str, now: datetime
) -> dict[str, Any]:
    """Options for navigator.credentials.get(): for a sign-in any passkey of this site (the
    browser lists them); otherwise only `user_id`'s."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    verification = UserVerificationRequirement.PREFERRED
    if purpose in VERIFIES_USER:
        verification = UserVerificationRequirement.REQUIRED
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(user_id) if user_id is not None else [],
        user_verification=verification,
    )
    remember(challenge, binding=binding, purpose=purpose, user_id=user_id, now=now)
    return options_to_json_dict(options)


def _expected(rp: RelyingParty, challenge: bytes) -> dict[str, Any]:
    """What an answer must have signed: this challenge, for this site (never the request's)."""
    return {"expected_challenge": challenge, "expected_rp_id": rp.id, "expected_origin": rp.origin}


def verify_registration(
    rp: RelyingParty, credential: Any, *, user_id: ObjectId, binding: str, now: datetime
) -> passkeys.NewCredential:
    """The new credential `credential` proves, made for `user_id` in this browser;
    raises Expired or NotVerified."""
    challenge = take(credential, binding=binding, purpose=REGISTER, user_id=user_id, now=now)
    try:
        parsed = parse_registration_credential_json(credential)
        verified = verify_registration_response(credential=parsed, **_expected(rp, challenge))
    except UNVERIFIABLE:
        raise NotVerified(user_id) from None
    transports = tuple(t.value for t in parsed.response.transports or ())
    return passkeys.NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=transports,
        device_type=verified.credential_device_type.value,
        backed_up=verified.credential_backed_up,
        aaguid=verified.aaguid,
    )


def verify_assertion(
    rp: RelyingParty,
    credential: Any,
    *,
    purpose: str,
    user_id: ObjectId | None,
    binding: str,
    now: datetime,
) -> Verified:
    """The passkey and account `credential` proves, answering a live challenge of this browser
    for `purpose` (and `user_id`: then only that account's passkeys count); its use recorded.
    Raises Expired or NotVerified."""
    challenge = take(credential, binding=binding, purpose=purpose, user_id=user_id, now=now)
    stored = passkeys.find(credential.get("id") if isinstance(credential, dict) else None)
    if stored is None:
        raise NotVerified(user_id)  # never registered, or removed
    owner = users.find_user_by_id(stored["user_id"])
    if owner is None or (user_id is not None and owner["_id"] != user_id):
        # Someone else's passkey: it proves nothing about this account.
        raise NotVerified(user_id)
    try:
        parsed = parse_authentication_credential_json(credential)
        result = verify_authentication_response(
            credential=parsed,
            **_expected(rp, challenge),
            credential_public_key=stored["public_key"],
            # 0: the sign count is checked below, atomically with storing it.
            credential_current_sign_count=0,
            require_user_verification=purpose in VERIFIES_USER,
        )
    except UNVERIFIABLE:
        raise NotVerified(owner["_id"]) from None
    handle = parsed.response.user_handle
    # A passwordless sign-in names its account only by the user handle: it must be the owner's.
    if (handle is None and purpose == SIGN_IN) or (
        handle is not None and handle != users.webauthn_handle(owner)
    ):
        raise NotVerified(owner["_id"])
    if not passkeys.record_use(stored, result.new_sign_count, result.credential_backed_up, now):
        regressed = passkeys.find(stored["credential_id"]) is not None  # not removed meanwhile
        raise NotVerified(
            owner["_id"], audit.PASSKEY_SIGN_COUNT if regressed else audit.PASSKEY_FAILED
        )
    return Verified(stored, owner)


class PasskeyFactor:
    """The `passkey` second factor of the sign-in flow (identity.factors.Factor).

    Its answer is JSON made by the door: the browser's `credential` and the `binding` token of
    the browser's session, whose second-step challenge for this account it must answer.
    """

    name = NAME

    def __init__(self, rp: RelyingParty | None) -> None:
        # None: passkeys are not configured; an account that has some then fails this step
        # (closed) rather than signing in with its password alone.
        self.rp = rp

    def enrolled(self, user: dict[str, Any]) -> bool:
        return passkeys.has_any(user["_id"])

    def verify(self, user: dict[str, Any], answer: str, now: datetime) -> bool | Refusal:
        try:
            given = json.loads(answer)
            credential, binding = given["credential"], given["binding"]
        except UNVERIFIABLE:
            return False
        if self.rp is None:
            return False
        try:
            verify_assertion(
                self.rp,
                credential,
                purpose=SECOND_STEP,
                user_id=user["_id"],
                binding=binding,
                now=now,
            )
        except Expired:
            return False
        except NotVerified as e:
            return Refusal(e.event) if e.event != audit.PASSKEY_FAILED else False
        return True


def answer(credential: Any, binding: str) -> str:
    """The second step's answer for `PasskeyFactor`: the credential and this browser's binding."""
    return json.dumps({"credential": credential, "binding": binding})

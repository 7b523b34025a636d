"""WebAuthn challenges, kept on the server: each bound to one browser, one purpose and one
account, alive 5 minutes, used up by its first verification, right or wrong.

A challenge is 32 random bytes. The database keeps its SHA-256 with what it is for
(`purpose`), the account it is for (none for a passwordless sign-in) and the browser session it
was made for (the hash of a random token kept in that session). An answer names its challenge
in clientDataJSON; the record is deleted with one conditional delete_one before anything is
verified, so an answer replayed, sent from another browser, for another purpose or account, or
after 5 minutes finds nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from cryptography.exceptions import UnsupportedAlgorithm
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException

from ..db import Index, collection

CHALLENGES = "webauthn_challenges"
# Found by _id; the TTL index only sweeps: expiry is decided when a challenge is taken.
INDEXES = [Index(CHALLENGES, "expires_at", expireAfterSeconds=0, name="expires_at_ttl")]
LIFETIME = timedelta(minutes=5)
CHALLENGE_BYTES = 32

REGISTER, SIGN_IN, SECOND_STEP, REAUTHENTICATE = "register", "sign_in", "second_step", "reauth"

# Whatever a browser (or anyone) sends as a credential fails to parse with one of these.
UNVERIFIABLE = (
    WebAuthnException,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    UnsupportedAlgorithm,
)


class Expired(Exception):
    """No live challenge of this browser, purpose and account is answered: made too long ago,
    used already, made for another browser, or never made."""


def new_binding() -> str:
    """A random token for a browser's session: its challenges are bound to it."""
    return secrets.token_urlsafe(32)


def _digest(value: bytes | str) -> str:
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def remember(
    challenge: bytes, *, binding: str, purpose: str, user_id: ObjectId | None, now: datetime
) -> None:
    """Keep `challenge` for `purpose`, `user_id` and the browser session of `binding`."""
    collection(CHALLENGES).insert_one(
        {
            "_id": _digest(challenge),
            "binding": _digest(binding),
            "purpose": purpose,
            "user_id": user_id,
            "expires_at": now + LIFETIME,
        }
    )


def challenge_of(credential: Any) -> bytes | None:
    """The challenge an answer says it signed (not yet verified: only to find its record)."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = client_data["challenge"]
        return base64url_to_bytes(challenge) if isinstance(challenge, str) else None
    except UNVERIFIABLE:
        return None


def take(
    credential: Any, *, binding: str, purpose: str, user_id: ObjectId | None, now: datetime
) -> bytes:
    """The challenge `credential` answers, used up now, right or wrong; raises Expired."""
    challenge = challenge_of(credential)
    if challenge is None or not isinstance(binding, str):
        raise Expired()
    query = {
        "_id": _digest(challenge),
        "binding": _digest(binding),
        "purpose": purpose,
        "user_id": user_id,
    }
    # Expiry is in the filter too, and the delete's own count decides (never a returned
    # document: SecantusDB may hand two racing requests the same before-image).
    live = {**query, "expires_at": {"$gt": now}}
    if collection(CHALLENGES).delete_one(live).deleted_count != 1:
        raise Expired()
    return challenge

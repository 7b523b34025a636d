"""Single-use link tokens for e-mail: confirming an address, resetting a password.

A link carries 32 random bytes; `link_tokens` stores only their SHA-256, with the purpose,
the account, the address (for confirmations), the expiry and a `used` mark. `consume` is one
atomic find_one_and_update, so two clicks or two processes cannot both use one token, and
`revoke` marks every live token of a purpose for an account as used (a newer link, a new
password). The TTL index only sweeps expired records away: validity is decided by the query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from bson import ObjectId

from ..db import Index, collection
from . import clock

COLLECTION = "link_tokens"
CONFIRM_EMAIL, RESET_PASSWORD = "confirm_email", "reset_password"

INDEXES = [
    # Revoking finds an account's live tokens of one purpose.
    Index(COLLECTION, [("user_id", 1), ("purpose", 1)], name="user_id_purpose"),
    Index(COLLECTION, "expires_at", expireAfterSeconds=0, name="expires_at_ttl"),
]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _live(token: Any, purpose: str) -> dict[str, Any] | None:
    """The query for `token`'s unused, unexpired record of `purpose`; None if not a str."""
    if not isinstance(token, str) or not token:
        return None
    return {
        "_id": _hash(token),
        "purpose": purpose,
        "used": False,
        "expires_at": {"$gt": clock.now()},
    }


def issue(purpose: str, user_id: ObjectId, *, life: timedelta, address: str | None = None) -> str:
    """A new token for `user_id` (and `address`), valid for `life`; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    collection(COLLECTION, durable=True).insert_one(
        {
            "_id": _hash(token),
            "purpose": purpose,
            "user_id": user_id,
            "address": address,
            "created_at": now,
            "expires_at": now + life,
            "used": False,
        }
    )
    return token


def peek(token: Any, purpose: str) -> dict[str, Any] | None:
    """`token`'s record if it could still be used; reads only (a GET of a link changes nothing)."""
    query = _live(token, purpose)
    return collection(COLLECTION).find_one(query) if query else None


def consume(token: Any, purpose: str, user_id: ObjectId | None = None) -> dict[str, Any] | None:
    """Mark `token` used and return its record, or None if it is unknown, used, revoked or
    expired (or not `user_id`'s). Atomic: of two concurrent calls, one gets the record."""
    query = _live(token, purpose)
    if query is None:
        return None
    if user_id is not None:
        query["user_id"] = user_id
    return collection(COLLECTION, durable=True).find_one_and_update(
        query, {"$set": {"used": True, "used_at": clock.now()}}
    )


def revoke(user_id: ObjectId, purpose: str) -> int:
    """Mark every unused token of `purpose` for `user_id` as used; return how many."""
    result = collection(COLLECTION, durable=True).update_many(
        {"user_id": user_id, "purpose": purpose, "used": False},
        {"$set": {"used": True, "revoked_at": clock.now()}},
    )
    return result.modified_count


def delete_user_tokens(user_id: ObjectId) -> int:
    """Delete every token of the account (it is being deleted); return how many."""
    return collection(COLLECTION, durable=True).delete_many({"user_id": user_id}).deleted_count

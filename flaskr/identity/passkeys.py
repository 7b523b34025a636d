"""The passkey store: each account's WebAuthn credentials, one document per credential.

A document keeps what verifying an assertion needs (the credential id, under a unique index,
its public key and sign count) and what the account page shows (a name, when it was added and
last used, synced or bound to one device). Signing is done by the browser's authenticator;
nothing secret is stored here. Changes are made through `accounts` (audited); a sign count is
moved forward by one atomic "only if larger" update, so a copied credential shows itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from .. import messages
from ..db import Index, collection
from . import devices

PASSKEYS = "passkeys"
INDEXES = [
    Index(PASSKEYS, "credential_id", unique=True, name="credential_id_unique"),
    Index(PASSKEYS, [("user_id", 1), ("created_at", 1)], name="user_id_created_at"),
    Index(PASSKEYS, [("user_id", 1), ("slot", 1)], unique=True, name="user_id_slot_unique"),
]
NAME_MAX = 64  # characters
MAX_PER_USER = 20  # every one is listed in each ceremony's options

SINGLE_DEVICE, MULTI_DEVICE = "single_device", "multi_device"


class AlreadyRegistered(Exception):
    """This credential is registered already (to this account or another)."""


class Full(Exception):
    """The account has MAX_PER_USER passkeys already."""


@dataclass(frozen=True)
class NewCredential:
    """What a verified registration says about a new credential."""

    credential_id: str  # base64url, as browsers send it
    public_key: bytes  # COSE
    sign_count: int
    transports: tuple[str, ...]
    device_type: str  # single_device or multi_device
    backed_up: bool
    aaguid: str


def default_name(user_agent: str | None) -> str:
    """The name of a passkey made without one: the device it was made on."""
    return f"Passkey ({devices.describe(user_agent)})"


def name_problem(name: object) -> str | None:
    """Why `name` cannot name a passkey, or None."""
    if not isinstance(name, str) or not name.strip():
        return str(messages.PASSKEY_NAME_REQUIRED)
    if len(name.strip()) > NAME_MAX:
        return messages.passkey_name_too_long(NAME_MAX)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return str(messages.PASSKEY_NAME_CONTROL)
    return None


def add(user_id: ObjectId, new: NewCredential, name: str, now: datetime) -> dict[str, Any]:
    """Store `new` for the user; raises AlreadyRegistered (the unique index decides) or Full
    (the user has MAX_PER_USER already)."""
    doc = {
        "user_id": user_id,
        "credential_id": new.credential_id,
        "public_key": new.public_key,
        "sign_count": new.sign_count,
        "transports": list(new.transports),
        "device_type": new.device_type,
        "backed_up": new.backed_up,
        "aaguid": new.aaguid,
        "name": name.strip(),
        "created_at": now,
        "last_used_at": None,
    }
    passkeys = collection(PASSKEYS, durable=True)
    # Each passkey holds one of the account's MAX_PER_USER places (`slot`, unique per user):
    # of additions racing for the last place, the unique index lets one in.
    for _ in range(MAX_PER_USER + 1):
        taken = {found["slot"] for found in passkeys.find({"user_id": user_id}, {"slot": 1})}
        free = next((slot for slot in range(MAX_PER_USER) if slot not in taken), None)
        if free is None:
            raise Full()
        stored = {**doc, "slot": free}
        try:
            passkeys.insert_one(stored)
        except DuplicateKeyError:
            if passkeys.find_one({"credential_id": new.credential_id}, {"_id": 1}):
                raise AlreadyRegistered() from None
            continue  # another addition took that place first: look again
        return stored
    raise Full()  # pragma: no cover (a place taken under it at every look)


def of_user(user_id: ObjectId) -> list[dict[str, Any]]:
    """The user's passkeys, oldest first."""
    return list(collection(PASSKEYS).find({"user_id": user_id}).sort("created_at", 1))


def count(user_id: ObjectId) -> int:
    return collection(PASSKEYS).count_documents({"user_id": user_id})


def has_any(user_id: ObjectId) -> bool:
    return collection(PASSKEYS).count_documents({"user_id": user_id}, limit=1) == 1


def descriptors(user_id: ObjectId) -> list[tuple[str, list[str]]]:
    """(credential id, transports) of each of the user's passkeys: the browser offers these."""
    fields = {"credential_id": 1, "transports": 1}
    return [
        (p["credential_id"], list(p.get("transports") or []))
        for p in collection(PASSKEYS).find({"user_id": user_id}, fields)
    ]


def find(credential_id: object) -> dict[str, Any] | None:
    """The stored passkey with this credential id (base64url), or None."""
    if not isinstance(credential_id, str) or not credential_id:
        return None
    return collection(PASSKEYS).find_one({"credential_id": credential_id})


def _object_id(passkey_id: object) -> ObjectId | None:
    try:
        return ObjectId(passkey_id) if isinstance(passkey_id, str) else None
    except InvalidId:
        return None


def rename(user_id: ObjectId, passkey_id: object, name: str) -> dict[str, Any] | None:
    """Give the user's passkey a new name; the passkey as it is now, or None (none such)."""
    oid = _object_id(passkey_id)
    if oid is None:
        return None
    mine = {"_id": oid, "user_id": user_id}
    # update_one's count, not find_one_and_update's image: SecantusDB may return a stale one.
    change = {"$set": {"name": name.strip()}}
    if collection(PASSKEYS, durable=True).update_one(mine, change).matched_count != 1:
        return None
    renamed = collection(PASSKEYS).find_one(mine)
    return {**renamed, "name": name.strip()} if renamed else None


def remove(user_id: ObjectId, passkey_id: object) -> dict[str, Any] | None:
    """Delete the user's passkey; the passkey removed, or None (none such, or removed already:
    of two requests removing it at once, only the one whose delete counted gets it)."""
    oid = _object_id(passkey_id)
    if oid is None:
        return None
    mine = {"_id": oid, "user_id": user_id}
    found = collection(PASSKEYS).find_one(mine)
    if found is None:
        return None
    # The delete's own count decides, never a returned before-image (stale on SecantusDB).
    deleted = collection(PASSKEYS, durable=True).delete_one(mine).deleted_count
    return found if deleted == 1 else None


def remove_all(user_id: ObjectId) -> int:
    """Delete every passkey of the user; return how many."""
    return collection(PASSKEYS, durable=True).delete_many({"user_id": user_id}).deleted_count


def record_use(passkey: dict[str, Any], sign_count: int, backed_up: bool, now: datetime) -> bool:
    """Store a verified use: the new sign count, backup state and time. False, storing nothing,
    when the count did not grow (unless it stays 0, as synced passkeys report): the
    authenticator may have been copied. The rule is in the update's filter and the update's
    own count decides, so of two uses with one count only one is stored."""
    change = {"$set": {"sign_count": sign_count, "backed_up": bool(backed_up), "last_used_at": now}}
    coll = collection(PASSKEYS)
    if sign_count == 0 and passkey["sign_count"] == 0:
        # Nothing to compare (a synced passkey): a use at the same millisecond changes nothing.
        return coll.update_one({"_id": passkey["_id"], "sign_count": 0}, change).matched_count == 1
    if sign_count <= passkey["sign_count"]:
        return False
    guard = {"_id": passkey["_id"], "sign_count": {"$lt": sign_count}}
    return coll.update_one(guard, change).modified_count == 1

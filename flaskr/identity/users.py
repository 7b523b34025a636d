"""The user store: the one module that knows the shape of a user document."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from ..db import Index, collection
from . import addresses, clock, names, passwords
from .policy import Policy, folded

INDEXES = [
    Index("users", "username_key", unique=True, name="username_key_unique"),
    # One account per confirmed address; addresses awaiting confirmation are not in it.
    Index(
        "users",
        "email_key",
        unique=True,
        partialFilterExpression={"email_key": {"$type": "string"}},
        name="email_key_unique_confirmed",
    ),
]
# How many devices an account remembers (the most recently added ones).
KNOWN_DEVICES = 32
# The fields an address change reads and writes; CHANGE_TRIES reads before giving up.
ADDRESS_FIELDS = ("email", "email_key", "pending_email", "pending_email_key")
CHANGE_TRIES = 5


class UsernameTaken(Exception):
    """Another account already has this username (compared case-insensitively)."""


class EmailTaken(Exception):
    """Another account has confirmed this address (compared case-insensitively)."""


def username_key(username: str) -> str:
    """The key that makes `Alice`, `alice`, fullwidth `Alice` and look-alikes (a Cyrillic a in
    place of a Latin one) one account: their confusable skeleton (names.py)."""
    return names.key(username)


def _keys(username: str) -> list[str]:
    """The keys a stored user of this name may have: the skeleton, and the folded name that
    was the key before (a user not yet re-keyed by `init-db`, or one whose new key another
    account already held)."""
    new, old = username_key(username), folded(username)
    return [new] if new == old else [new, old]


def create_user(
    username: str,
    password: str,
    rounds: int,
    *,
    email: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """Insert a new user, with `email` awaiting confirmation and the `language` its mail is
    written in; raise UsernameTaken if the normalised name exists."""
    doc = {
        "username": username,
        "username_key": username_key(username),
        "password_hash": passwords.hash_password(password, rounds),
        "password_scheme": passwords.SCHEME,
        "created_at": clock.now(),
        "last_login_at": None,
        "previous_login_at": None,
    }
    if email:
        doc |= {"pending_email": email, "pending_email_key": addresses.key(email)}
    if language:
        doc["language"] = str(language)
    try:
        collection("users", durable=True).insert_one(doc)
    except DuplicateKeyError:
        raise UsernameTaken(username) from None
    return doc


def find_user(username: str) -> dict[str, Any] | None:
    """The user with this name (any case), or None."""
    if not isinstance(username, str):
        raise TypeError("username must be a str")
    keys = _keys(username)
    found = list(collection("users").find({"username_key": {"$in": keys}}).limit(2))
    if len(found) > 1:
        # A look-alike kept its old key: the one whose own name was typed is meant.
        return next(user for user in found if user["username_key"] == keys[-1])
    return found[0] if found else None


def rekey_users() -> tuple[int, int, list[tuple[str, str]]]:
    """Give every user the current key (after an upgrade that changed it); return how many
    users there are, how many changed, and each collision (name, name holding its new key).

    The oldest account keeps a contested key; the other keeps its old one and still signs
    in by its own name, until an administrator renames or deletes one of them.
    """
    durable = collection("users", durable=True)
    updated, collisions, total = 0, {}, 0
    while True:  # a key freed by one change may let an earlier collision through
        progress, total = 0, 0
        for user in collection("users").find({}, {"username": 1, "username_key": 1}).sort("_id"):
            total += 1
            new = username_key(user["username"])
            if user.get("username_key") == new:
                continue
            try:
                durable.update_one({"_id": user["_id"]}, {"$set": {"username_key": new}})
            except DuplicateKeyError:
                holder = collection("users").find_one({"username_key": new}, {"username": 1})
                collisions[user["_id"]] = (user["username"], (holder or {}).get("username", "?"))
                continue
            collisions.pop(user["_id"], None)
            progress += 1
        updated += progress
        if not progress:
            return total, updated, list(collisions.values())


def rekey_report() -> list[str]:
    """`rekey_users` for `flask init-db`: what it did, and each collision to resolve."""
    total, updated, collisions = rekey_users()
    lines = [f"username keys ok: {total} users, {updated} updated ({names.version()})"]
    lines += [
        f"username look-alike: {name!r} keeps its old key, {holder!r} has the new one; "
        f"rename or delete one (`flask users delete`)"
        for name, holder in collisions
    ]
    return lines


def find_user_by_id(user_id: ObjectId) -> dict[str, Any] | None:
    return collection("users").find_one({"_id": user_id})


def find_by_email(address: str) -> dict[str, Any] | None:
    """The user whose confirmed address is `address` (any case), or None."""
    key = addresses.key_or_none(address)
    # A string that is not an address still costs the same query as one that is.
    return collection("users").find_one({"email_key": key or ""})


def sign_in_candidate(
    identifier: str, policy: Policy, *, by_email: bool = False
) -> dict[str, Any] | None:
    """The user a sign-in as `identifier` is about, or None: a username, or with `by_email`
    a confirmed address (usernames never contain '@')."""
    if by_email and "@" in identifier:
        return find_by_email(identifier)
    return find_user(identifier) if policy.username_problem(identifier) is None else None


def password_matches(user: dict[str, Any] | None, password: str, rounds: int) -> bool:
    """Whether `password` is `user`'s and they may sign in; as slow for no user as for one."""
    if user is None:
        passwords.burn_check(password, rounds)
        return False
    ok = passwords.check_password(
        password, user["password_hash"], user.get("password_scheme", passwords.SCHEME)
    )
    if not ok or user.get("disabled"):
        return False
    if passwords.needs_rehash(user["password_hash"], rounds):
        set_password(user["_id"], password, rounds)
    return True


def record_login(user: dict[str, Any], at: datetime) -> dict[str, Any] | None:
    """Set the user's last sign-in time, keeping the one before; return the updated user.

    None if the account is gone or disabled by now: the sign-in must not go ahead.
    """
    previous = user.get("last_login_at")
    result = collection("users").update_one(
        {"_id": user["_id"], "disabled": {"$ne": True}},
        {"$set": {"last_login_at": at, "previous_login_at": previous}},
    )
    if result.matched_count != 1:
        return None
    return {**user, "last_login_at": at, "previous_login_at": previous}


def set_password(user_id: ObjectId, password: str, rounds: int) -> bool:
    """Replace the user's password hash; True if the user exists."""
    result = collection("users", durable=True).update_one(
        {"_id": user_id},
        {
            "$set": {
                "password_hash": passwords.hash_password(password, rounds),
                "password_scheme": passwords.SCHEME,
            }
        },
    )
    return result.matched_count == 1


def email_of(user: dict[str, Any]) -> tuple[str | None, bool]:
    """The address to show for `user` and whether it is confirmed: the confirmed one, else the
    one awaiting confirmation (None: no address)."""
    if user.get("email"):
        return user["email"], True
    return user.get("pending_email"), False


def set_pending_email(user_id: ObjectId, email: str) -> bool:
    """Record `email` as awaiting confirmation (the confirmed address stays until then)."""
    change = {"$set": {"pending_email": email, "pending_email_key": addresses.key(email)}}
    return collection("users", durable=True).update_one({"_id": user_id}, change).matched_count == 1


def clear_pending_email(user_id: ObjectId) -> None:
    collection("users", durable=True).update_one(
        {"_id": user_id}, {"$unset": {"pending_email": "", "pending_email_key": ""}}
    )


def _change_as_read(query: dict[str, Any], change: dict[str, Any]) -> dict[str, Any] | None:
    """Apply `change` to the user matching `query` only while its address fields are still as
    read; return the user as read (before the change), or None if none matches.

    Not one find_one_and_update with its before-image: on SecantusDB, under contention, that
    image was not always the document the change applied to. Here the filter carries what was
    read, so the answer is exactly what the change replaced.
    """
    users = collection("users", durable=True)
    for _ in range(CHANGE_TRIES):
        before = users.find_one(query)
        if before is None:
            return None
        as_read = {field: before.get(field) for field in ADDRESS_FIELDS}
        if users.update_one({**query, **as_read}, change).matched_count == 1:
            return before
    return None  # pragma: no cover (the addresses changing at every step, CHANGE_TRIES times)


def confirm_email(user_id: ObjectId, email: str) -> dict[str, Any] | None:
    """Make `email`, awaiting confirmation, the user's address; return the user as it was
    before (its old address), or None if it no longer awaits `email`. EmailTaken if another
    account confirmed it first (the unique index decides)."""
    key = addresses.key(email)
    change = {
        "$set": {"email": email, "email_key": key},
        "$unset": {"pending_email": "", "pending_email_key": ""},
    }
    try:
        return _change_as_read({"_id": user_id, "pending_email_key": key}, change)
    except DuplicateKeyError:
        raise EmailTaken(email) from None


def remove_email(user_id: ObjectId) -> dict[str, Any] | None:
    """Forget the user's addresses, confirmed and awaiting; return the user as it was."""
    return _change_as_read({"_id": user_id}, {"$unset": dict.fromkeys(ADDRESS_FIELDS, "")})


def remember_device(user_id: ObjectId, device_hash: str) -> bool:
    """Add a device (its id's hash) to the account's known ones; True if it was not known."""
    result = collection("users").update_one(
        {"_id": user_id, "known_devices": {"$ne": device_hash}},
        {"$push": {"known_devices": {"$each": [device_hash], "$slice": -KNOWN_DEVICES}}},
    )
    return result.modified_count == 1


def knows_device(user: dict[str, Any], device_hash: str | None) -> bool:
    """Whether the account (its document) has signed in from this device before."""
    return device_hash is not None and device_hash in user.get("known_devices", ())


def delete_user(user_id: ObjectId) -> bool:
    """Delete the user document; True if it existed (accounts.delete_account deletes the rest)."""
    return collection("users", durable=True).delete_one({"_id": user_id}).deleted_count == 1


def set_language(user_id: ObjectId, language: str) -> bool:
    """Write the language the account's mail is written in; True if it changed."""
    change = {"$set": {"language": str(language)}}
    found = {"_id": user_id, "language": {"$ne": str(language)}}
    return collection("users", durable=True).update_one(found, change).modified_count == 1


def language_of(user: dict[str, Any]) -> str | None:
    """The language the account chose (a code like "nl"), or None: the site's default."""
    language = user.get("language")
    return language if isinstance(language, str) else None


def set_disabled(user_id: ObjectId, disabled: bool) -> bool:
    """Refuse (or allow again) sign-in for the user; True if the user exists.

    Only the flag: accounts.disable_account also ends the sessions.
    """
    change = {"$set": {"disabled": True}} if disabled else {"$unset": {"disabled": ""}}
    return collection("users", durable=True).update_one({"_id": user_id}, change).matched_count == 1


def list_users() -> Iterator[dict[str, Any]]:
    """Every user by name: username, created_at, last_login_at, disabled (no hashes)."""
    fields = {"username": 1, "created_at": 1, "last_login_at": 1, "disabled": 1}
    return collection("users").find({}, fields).sort("username_key", 1)


# Two-factor sign-in. `totp`: {secret (sealed), last_step, enabled_at}, present while the
# authenticator app is on; `totp_pending`: {secret, expires_at} while one is being set up;
# `recovery_codes`: [{hint, hash}], the unused ones.


def totp_secret(user: dict[str, Any]) -> str | None:
    """The sealed secret of the user's authenticator app, or None when it is off."""
    return (user.get("totp") or {}).get("secret")


def totp_enabled_at(user: dict[str, Any]) -> datetime | None:
    return (user.get("totp") or {}).get("enabled_at")


def pending_totp_secret(user: dict[str, Any], now: datetime) -> str | None:
    """The sealed secret of an authenticator being set up (not yet confirmed), or None."""
    pending = user.get("totp_pending") or {}
    return pending["secret"] if pending and pending["expires_at"] > now else None


def recovery_codes(user: dict[str, Any]) -> list[dict[str, str]]:
    """The user's unused recovery codes as stored (hint and hash each)."""
    return list(user.get("recovery_codes") or [])


def start_totp_setup(user_id: ObjectId, sealed: str, expires_at: datetime) -> bool:
    """Keep `sealed` as the secret being set up (replacing any other); False if the app is
    already on or the user is gone."""
    result = collection("users", durable=True).update_one(
        {"_id": user_id, "totp": {"$exists": False}},
        {"$set": {"totp_pending": {"secret": sealed, "expires_at": expires_at}}},
    )
    return result.matched_count == 1


def enable_totp(
    user_id: ObjectId, sealed: str, step: int, codes: list[dict[str, str]], now: datetime
) -> bool:
    """Turn the pending secret `sealed` on, its confirming code's `step` used, with new
    recovery codes; False if that setup is no longer pending (replaced, expired, or done)."""
    result = collection("users", durable=True).update_one(
        {
            "_id": user_id,
            "totp": {"$exists": False},
            "totp_pending.secret": sealed,
            "totp_pending.expires_at": {"$gt": now},
        },
        {
            "$set": {
                "totp": {"secret": sealed, "last_step": step, "enabled_at": now},
                "recovery_codes": codes,
            },
            "$unset": {"totp_pending": ""},
        },
    )
    return result.modified_count == 1


def use_totp_step(user_id: ObjectId, sealed: str, step: int) -> bool:
    """Record `step` as used if it is newer than the last one used with this secret; False
    (a replay, or the secret changed meanwhile) otherwise. One atomic update."""
    result = collection("users", durable=True).update_one(
        {"_id": user_id, "totp.secret": sealed, "totp.last_step": {"$lt": step}},
        {"$set": {"totp.last_step": step}},
    )
    return result.modified_count == 1


def replace_recovery_codes(user_id: ObjectId, codes: list[dict[str, str]]) -> bool:
    """Replace every recovery code of a user whose authenticator app is on."""
    result = collection("users", durable=True).update_one(
        {"_id": user_id, "totp": {"$exists": True}}, {"$set": {"recovery_codes": codes}}
    )
    return result.matched_count == 1


def use_recovery_code(user_id: ObjectId, code_hash: str) -> bool:
    """Remove the code stored as `code_hash`; True only for the one caller that removed it."""
    result = collection("users", durable=True).update_one(
        {"_id": user_id, "recovery_codes.hash": code_hash},
        {"$pull": {"recovery_codes": {"hash": code_hash}}},
    )
    return result.modified_count == 1


def remove_two_factor(user_id: ObjectId) -> bool:
    """Forget the authenticator app (set up or pending) and the recovery codes; True if
    there was anything to forget."""
    result = collection("users", durable=True).update_one(
        {
            "_id": user_id,
            "$or": [
                {"totp": {"$exists": True}},
                {"totp_pending": {"$exists": True}},
                {"recovery_codes": {"$exists": True}},
            ],
        },
        {"$unset": {"totp": "", "totp_pending": "", "recovery_codes": ""}},
    )
    return result.modified_count == 1


def reseal_totp_secret(user_id: ObjectId, field: str, old: str, new: str) -> bool:
    """Replace the sealed secret `old` in `field` ("totp" or "totp_pending") with `new`,
    unless it changed meanwhile (a key rotation)."""
    if field not in ("totp", "totp_pending"):
        raise ValueError(field)
    result = collection("users", durable=True).update_one(
        {"_id": user_id, f"{field}.secret": old}, {"$set": {f"{field}.secret": new}}
    )
    return result.modified_count == 1


def sealed_totp_secrets() -> Iterator[tuple[ObjectId, str, str]]:
    """(user id, field, sealed secret) of every authenticator secret, on or being set up:
    for a key rotation. A scan, as befits a rare administrator's command."""
    query = {"$or": [{"totp": {"$exists": True}}, {"totp_pending": {"$exists": True}}]}
    for user in collection("users").find(query, {"totp": 1, "totp_pending": 1}):
        for field in ("totp", "totp_pending"):
            if (user.get(field) or {}).get("secret"):
                yield user["_id"], field, user[field]["secret"]


# Passkeys: `webauthn_handle`, 32 random bytes made once per account, is the user handle
# authenticators keep with its passkeys (never the username). The passkeys live in `passkeys`.
WEBAUTHN_HANDLE_BYTES = 32


def webauthn_handle(user: dict[str, Any]) -> bytes | None:
    """The account's WebAuthn user handle, or None before its first passkey."""
    handle = user.get("webauthn_handle")
    return bytes(handle) if handle is not None else None


def ensure_webauthn_handle(user_id: ObjectId) -> bytes | None:
    """The account's user handle, made now if it has none (of two racing requests, the first
    one's is kept); None if the account is gone."""
    collection("users", durable=True).update_one(
        {"_id": user_id, "webauthn_handle": {"$exists": False}},
        {"$set": {"webauthn_handle": secrets.token_bytes(WEBAUTHN_HANDLE_BYTES)}},
    )
    user = collection("users").find_one({"_id": user_id}, {"webauthn_handle": 1})
    return webauthn_handle(user) if user else None


# Roles: `roles` is a list of names ("admin" is the one flaskr itself knows; a team's own
# features add theirs). An active administrator has the role and is not disabled. The
# filters below let admins.py change a user only in the state it counted on.
ADMIN = "admin"
ACTIVE_ADMIN: dict[str, Any] = {"roles": ADMIN, "disabled": {"$ne": True}}
NOT_ACTIVE_ADMIN: dict[str, Any] = {"$or": [{"roles": {"$ne": ADMIN}}, {"disabled": True}]}
ENABLED: dict[str, Any] = {"disabled": {"$ne": True}}
DISABLED: dict[str, Any] = {"disabled": True}
HAS_ADMIN: dict[str, Any] = {"roles": ADMIN}
NO_ADMIN: dict[str, Any] = {"roles": {"$ne": ADMIN}}
ROLE_INDEXES = [Index("users", "roles", name="roles", sparse=True)]


def roles(user: dict[str, Any]) -> list[str]:
    """The user's role names, in the order they were granted."""
    return list(user.get("roles") or [])


def is_disabled(user: dict[str, Any]) -> bool:
    return bool(user.get("disabled"))


def is_active_admin(user: dict[str, Any]) -> bool:
    return ADMIN in roles(user) and not is_disabled(user)


def _matching(user_id: ObjectId, only: dict[str, Any] | None) -> dict[str, Any]:
    return {"$and": [{"_id": user_id}, only]} if only else {"_id": user_id}


def add_role(user_id: ObjectId, role: str, only: dict[str, Any] | None = None) -> bool | None:
    """Grant `role` if the user lacks it and matches `only`: True, or None if no user does."""
    query = {"$and": [{"_id": user_id, "roles": {"$ne": role}}, only or {}]}
    change = {"$push": {"roles": role}}
    return (
        True if collection("users", durable=True).update_one(query, change).modified_count else None
    )


def remove_role(user_id: ObjectId, role: str, only: dict[str, Any] | None = None) -> bool | None:
    """Take `role` away if the user matches `only`: True if taken, False if they did not
    have it, None if no such user matches."""
    result = collection("users", durable=True).update_one(
        _matching(user_id, only), {"$pull": {"roles": role}}
    )
    return bool(result.modified_count) if result.matched_count else None


def disable_if(user_id: ObjectId, only: dict[str, Any]) -> bool | None:
    """Set the disabled flag if the user matches `only`: True, or None if no user matches."""
    change = {"$set": {"disabled": True}}
    result = collection("users", durable=True).update_one(_matching(user_id, only), change)
    return True if result.matched_count else None


def enable_if(user_id: ObjectId, only: dict[str, Any]) -> bool | None:
    """Clear the disabled flag if set and the user matches `only`: True, or None."""
    query = {"$and": [{"_id": user_id, "disabled": True}, only]}
    change = {"$unset": {"disabled": ""}}
    return (
        True if collection("users", durable=True).update_one(query, change).modified_count else None
    )


def delete_if(user_id: ObjectId, only: dict[str, Any]) -> bool | None:
    """Delete the user document if it matches `only`: True, or None if no user matches."""
    deleted = collection("users", durable=True).delete_one(_matching(user_id, only)).deleted_count
    return True if deleted else None


def count_active_admins() -> int:
    """How many users are active administrators (the `roles` index finds them)."""
    return collection("users").count_documents(ACTIVE_ADMIN)


# The admin area's list: a page of users in the order of a unique index, by name or by
# confirmed address, found by the start of either through that index, never by a scan or a
# skip. (Addresses awaiting confirmation are in no index, so they are not searched.)
LISTED = {"password_hash": 0, "password_scheme": 0}
BY_NAME, BY_ADDRESS = "username", "address"
_ORDERS = {
    BY_NAME: ("username_key", username_key),
    BY_ADDRESS: ("email_key", lambda typed: typed.strip().casefold()),
}


def _starting_with(prefix: str) -> dict[str, Any]:
    """The range of keys that start with `prefix`: [prefix, prefix with its last character
    one higher), which an index serves (code point order is the server's byte order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return {"$gte": prefix}  # no higher character: the range is open-ended
    if 0xD7FF <= last < 0xE000:
        last = 0xDFFF  # skip the surrogates, which a string never holds
    return {"$gte": prefix, "$lt": prefix[:-1] + chr(last + 1)}


def page(
    prefix: str = "",
    *,
    by: str = BY_NAME,
    after: str | None = None,
    before: str | None = None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to `limit` users whose name (or confirmed address, `by`) starts with `prefix` in
    any case, in that order: the first ones, those after the key `after`, or the last ones
    before the key `before`."""
    field, fold = _ORDERS[by]
    key: dict[str, Any] = _starting_with(fold(prefix)) if fold(prefix) else {}
    if after is not None:
        key["$gt"] = str(after)
    if before is not None:
        key["$lt"] = min(str(before), key.get("$lt", str(before)))
    if by == BY_ADDRESS:
        key["$type"] = "string"  # what the partial index holds: the query must say so
    query = {field: key} if key else {}
    order = -1 if before is not None and after is None else 1
    cursor = collection("users").find(query, LISTED).sort(field, order)
    found = list(cursor.limit(limit))
    return found[::-1] if order == -1 else found


def key_of(user: dict[str, Any]) -> str:
    """The user's normalised username (what their failure counter is named by)."""
    return user["username_key"]


def bound_of(user: dict[str, Any], by: str = BY_NAME) -> str:
    """Where the user stands in the list ordered `by` (a page's bound)."""
    return user[_ORDERS[by][0]]


def usernames_by_id(user_ids: list[ObjectId]) -> dict[ObjectId, str]:
    """The usernames of these users (those that still exist), by id."""
    found = collection("users").find({"_id": {"$in": list(user_ids)}}, {"username": 1})
    return {u["_id"]: u["username"] for u in found}


def count_users() -> int:
    """How many accounts there are, from the collection's metadata (no scan)."""
    return collection("users").estimated_document_count()

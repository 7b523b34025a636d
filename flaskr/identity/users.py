"""The user store: the one module that knows the shape of a user document."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from ..db import Index, collection
from . import clock, passwords
from .policy import Policy, folded

INDEXES = [Index("users", "username_key", unique=True, name="username_key_unique")]


class UsernameTaken(Exception):
    """Another account already has this username (compared case-insensitively)."""


def username_key(username: str) -> str:
    """The normalised form that makes `Alice`, `alice` and fullwidth `Alice` one account."""
    return folded(username)


def create_user(username: str, password: str, rounds: int) -> dict[str, Any]:
    """Insert a new user; raise UsernameTaken if the normalised name exists."""
    doc = {
        "username": username,
        "username_key": username_key(username),
        "password_hash": passwords.hash_password(password, rounds),
        "password_scheme": passwords.SCHEME,
        "created_at": clock.now(),
        "last_login_at": None,
        "previous_login_at": None,
    }
    try:
        collection("users", durable=True).insert_one(doc)
    except DuplicateKeyError:
        raise UsernameTaken(username) from None
    return doc


def find_user(username: str) -> dict[str, Any] | None:
    """The user with this name (any case), or None."""
    if not isinstance(username, str):
        raise TypeError("username must be a str")
    return collection("users").find_one({"username_key": username_key(username)})


def find_user_by_id(user_id: ObjectId) -> dict[str, Any] | None:
    return collection("users").find_one({"_id": user_id})


def sign_in_candidate(username: str, policy: Policy) -> dict[str, Any] | None:
    """The user a sign-in as `username` is about, or None (no such user, or not a username)."""
    return find_user(username) if policy.username_problem(username) is None else None


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


def delete_user(user_id: ObjectId) -> bool:
    """Delete the user document; True if it existed (accounts.delete_account deletes the rest)."""
    return collection("users", durable=True).delete_one({"_id": user_id}).deleted_count == 1


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

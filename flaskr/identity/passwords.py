"""Password hashing: bcrypt over a SHA-256 pre-hash, so every character counts."""

from __future__ import annotations

import base64
import functools
import hashlib

import bcrypt

# bcrypt reads at most 72 bytes (bcrypt 5 raises above that, older versions truncate).
# Hashing SHA-256 first, then base64 (44 bytes, no NUL), makes every character count.
SCHEME = "bcrypt-sha256"


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())


def hash_password(password: str, rounds: int) -> str:
    """Return the bcrypt hash of `password` at `rounds` (the cost factor)."""
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str, scheme: str = SCHEME) -> bool:
    """Whether `password` matches `hashed`; False for a hash this module cannot read."""
    if scheme != SCHEME:
        return False
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False


def needs_rehash(hashed: str, rounds: int) -> bool:
    """Whether `hashed` was made with fewer rounds than `rounds`."""
    try:
        return int(hashed.split("$")[2]) < rounds
    except (IndexError, ValueError):
        return True


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return hash_password("not a real password", rounds)


def burn_check(password: str, rounds: int) -> None:
    """Spend the time of one real check, so an unknown user answers as slowly as a known one."""
    check_password(password, _dummy_hash(rounds))

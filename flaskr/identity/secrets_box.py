"""Secrets kept in the database sealed with AES-GCM, under keys that live outside it.

A sealed value is `v1.<key id>.<base64url(nonce + ciphertext + tag)>`. The key id says which
key sealed it, so keys can be rotated: new values are sealed with the current key, and values
sealed with an old key (still listed) open until they are sealed again. Each value is bound to
a `context` (such as the account it belongs to), so it cannot be moved to another account.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # random per value: 2^32 values per key stay far below the collision bound


class BadKey(ValueError):
    """A configured key is not 32 bytes of URL-safe base64."""


class Unreadable(Exception):
    """A sealed value that no configured key opens (wrong key, tampered, or not sealed)."""


def new_key() -> str:
    """A fresh key in the text form the configuration takes."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise BadKey("not URL-safe base64") from None
    if len(raw) != KEY_BYTES:
        raise BadKey(f"{len(raw)} bytes instead of {KEY_BYTES}")
    return raw


def _key_id(key: bytes) -> str:
    # Names the key without revealing it: a short hash under a label of its own.
    return hashlib.sha256(b"flaskr key id\0" + key).hexdigest()[:12]


def _listed(value: object) -> list[str]:
    """Old keys as configured: a list, a JSON list, or one string of comma-separated keys."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return _listed(json.loads(text))
        return [part for part in (p.strip() for p in text.split(",")) if part]
    if isinstance(value, Iterable):
        return [str(part) for part in value if str(part).strip()]
    raise BadKey("old keys must be a list of keys")


@dataclass(frozen=True)
class Keyring:
    """The current key, which seals, and the old ones, which only open."""

    current: bytes
    old: tuple[bytes, ...] = ()

    @classmethod
    def from_text(cls, current: str, old: object = ()) -> Keyring:
        """From the configuration's text forms; raises BadKey naming what is wrong."""
        if not isinstance(current, str) or not current.strip():
            raise BadKey("no key")
        return cls(_decode(current), tuple(_decode(k) for k in _listed(old)))

    @property
    def current_id(self) -> str:
        return _key_id(self.current)

    def seal(self, plaintext: str, context: str) -> str:
        """`plaintext` sealed with the current key, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.current).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{VERSION}.{self.current_id}.{body}"

    def open(self, sealed: str, context: str) -> str:
        """The plaintext of `sealed` for `context`; raises Unreadable."""
        try:
            version, kid, body = sealed.split(".")
            raw = base64.urlsafe_b64decode(body)
        except (AttributeError, ValueError, binascii.Error):
            raise Unreadable("not a sealed value") from None
        key = next((k for k in (self.current, *self.old) if _key_id(k) == kid), None)
        if version != VERSION or key is None:
            raise Unreadable(f"no configured key has id {kid}")
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError):
            raise Unreadable("the value does not open with its key") from None
        return plain.decode("utf-8")

    def is_current(self, sealed: str) -> bool:
        """Whether `sealed` was sealed with the current key (else it wants sealing again)."""
        return sealed.split(".")[1:2] == [self.current_id]

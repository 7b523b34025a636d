"""A software authenticator: WebAuthn answers built in Python with `cryptography`, byte for byte
as a browser sends them (toJSON(), base64url), so tests can make the answers a browser never
would: no user verification, a wrong user handle, a sign count going back, a replay."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "===")


@dataclass
class Key:
    """One credential the authenticator holds: its id, private key, user handle and counter."""

    id: bytes
    private: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    sign_count: int = 0

    def cose(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return encode_cbor(
            {
                1: 2,  # EC2
                3: -7,  # ES256
                -1: 1,  # P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


class SoftAuthenticator:
    """Makes and uses passkeys for `origin`; each call may break one rule on purpose."""

    def __init__(
        self,
        origin: str,
        *,
        uv: bool = True,
        backup_eligible: bool = False,
        backed_up: bool = False,
        counts: bool = True,
    ) -> None:
        self.origin = origin
        self.uv = uv
        self.flags = (BE if backup_eligible else 0) | (BS if backed_up else 0)
        # Synced passkeys report 0 every time; device-bound ones count up.
        self.counts = counts
        self.keys: dict[str, Key] = {}

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _flags(self, uv: bool | None) -> int:
        return UP | (UV if (self.uv if uv is None else uv) else 0) | self.flags

    def create(
        self,
        options: dict,
        *,
        origin: str | None = None,
        uv: bool | None = None,
        same_as: str | None = None,
    ) -> dict:
        """navigator.credentials.create() with `options` (their JSON): a new passkey, or with
        `same_as` the key of that credential id again (what no honest authenticator does)."""
        rp_id = options["rp"]["id"]
        key = self.keys.get(same_as or "") or Key(
            id=os.urandom(16),
            private=ec.generate_private_key(ec.SECP256R1()),
            user_handle=unb64(options["user"]["id"]),
            rp_id=rp_id,
        )
        self.keys[b64(key.id)] = key
        attested = bytes(16) + len(key.id).to_bytes(2, "big") + key.id + key.cose()
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(uv) | AT])
            + key.sign_count.to_bytes(4, "big")
            + attested
        )
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        response = {"attestationObject": b64(attestation), "transports": ["internal"]}
        return _credential(key, client_data, response)

    def get(
        self,
        options: dict,
        *,
        credential_id: str | None = None,
        uv: bool | None = None,
        sign_count: int | None = None,
        user_handle: bytes | bool | None = True,
        origin: str | None = None,
    ) -> dict:
        """navigator.credentials.get() with `options`: an assertion by `credential_id` (else the
        first allowed, else the first held). `user_handle`: True the key's, None none, or bytes."""
        allowed = [d["id"] for d in options.get("allowCredentials") or []]
        chosen = credential_id or next((i for i in allowed if i in self.keys), None)
        key = self.keys[chosen or next(iter(self.keys))]
        if sign_count is not None:
            key.sign_count = sign_count
        elif self.counts:
            key.sign_count += 1
        auth_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + bytes([self._flags(uv)])
            + key.sign_count.to_bytes(4, "big")
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = key.private.sign(signed, ec.ECDSA(hashes.SHA256()))
        handle = key.user_handle if user_handle is True else user_handle
        response = {"authenticatorData": b64(auth_data), "signature": b64(signature)}
        if handle is not None:
            response["userHandle"] = b64(handle)
        return _credential(key, client_data, response)


def _credential(key: Key, client_data: bytes, response: dict) -> dict:
    """A PublicKeyCredential as its toJSON() gives it."""
    return {
        "id": b64(key.id),
        "rawId": b64(key.id),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "clientExtensionResults": {},
        "response": {"clientDataJSON": b64(client_data), **response},
    }

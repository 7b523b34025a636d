"""The passkey operations' bodies (api/passkeys.py), joined to the models the OpenAPI
document is generated from."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .models import REQUEST_MODELS, RESPONSE_MODELS, Strict

CREDENTIAL = (
    "The PublicKeyCredential the browser made, as its `toJSON()` gives it (binary fields in "
    "base64url): `id`, `rawId`, `type`, `response`, ..."
)


class CredentialIn(Strict):
    """A passkey's answer to the options this session was given."""

    credential: dict[str, Any] = Field(description=CREDENTIAL)


class PasskeyRegisterIn(Strict):
    """A new passkey, and what to call it."""

    credential: dict[str, Any] = Field(description=CREDENTIAL)
    name: str | None = Field(
        None,
        examples=["Work laptop"],
        description="1 to 64 characters; none: named after the device it was made on.",
    )


class PasskeySignInIn(Strict):
    """A passkey with user verification, and whether this device stays signed in."""

    credential: dict[str, Any] = Field(description=CREDENTIAL)
    remember: bool = Field(False, description="Keep this device signed in (remember-me).")


class PasskeyRenameIn(Strict):
    id: str = Field(description="The passkey's `id` as `GET /api/v1/passkeys` lists it.")
    name: str = Field(examples=["Work laptop"], description="1 to 64 characters.")


class PasskeyIdIn(Strict):
    id: str = Field(description="The passkey's `id` as `GET /api/v1/passkeys` lists it.")


class OptionsOut(Strict):
    """Options for the browser, made (and their challenge kept) by the server for 5 minutes."""

    options: dict[str, Any] = Field(
        description="WebAuthn options as JSON (base64url): give them to "
        "`PublicKeyCredential.parseCreationOptionsFromJSON()` (registration) or "
        "`parseRequestOptionsFromJSON()` (the others), then to `navigator.credentials`."
    )


class Passkey(Strict):
    """One of the account's passkeys."""

    id: str
    name: str
    created_at: datetime = Field(description="When it was added (ISO 8601, UTC).")
    last_used_at: datetime | None = Field(description="When it last signed in; null: never.")
    synced: bool = Field(description="Backed up by its provider, so on the user's other devices.")
    device_type: Literal["single_device", "multi_device"] = Field(
        description="`single_device`: bound to one authenticator; `multi_device`: may sync."
    )


class PasskeyOut(Strict):
    passkey: Passkey


class PasskeysOut(Strict):
    passkeys: list[Passkey]


REQUEST_MODELS += [CredentialIn, PasskeyRegisterIn, PasskeySignInIn, PasskeyRenameIn, PasskeyIdIn]
RESPONSE_MODELS += [OptionsOut, PasskeyOut, PasskeysOut]

"""The API's bodies as pydantic models: they validate requests and generate the OpenAPI schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Exactly the documented keys, of exactly the documented JSON types, no coercion."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class RegisterIn(Strict):
    """A new account's name and password."""

    # Their descriptions come from the app's policy (openapi.py), as the form's hints do.
    username: str = Field(examples=["alice"])
    password: str = Field(examples=["violet-harbour-88-tundra"])


class LoginIn(Strict):
    """Credentials, and whether this device stays signed in for REMEMBER_DAYS."""

    username: str = Field(examples=["alice"])
    password: str = Field(examples=["violet-harbour-88-tundra"])
    remember: bool = Field(False, description="Keep this device signed in (remember-me).")


class User(Strict):
    """An account as the API shows it (never its password hash)."""

    username: str
    created_at: datetime = Field(description="When the account was created (ISO 8601, UTC).")
    last_login_at: datetime | None = Field(
        description="When this account last signed in (this session's sign-in for `me`)."
    )

    @classmethod
    def of(cls, doc: dict[str, Any]) -> User:
        """From a user document (a new account)."""
        return cls(
            username=doc["username"],
            created_at=doc["created_at"],
            last_login_at=doc.get("last_login_at"),
        )

    @classmethod
    def signed_in(cls, user: Any) -> User:
        """From the signed-in user (web.login.SignedInUser), without reading the user document."""
        return cls(
            username=user.username, created_at=user.created_at, last_login_at=user.signed_in_at
        )


class UserOut(Strict):
    user: User


class SignedIn(Strict):
    """The signed-in user, and the CSRF token of the new session (the old one is void)."""

    user: User
    csrf_token: str = Field(description="Send it as X-CSRFToken from now on.")


class CsrfOut(Strict):
    csrf_token: str = Field(description="Send it as X-CSRFToken with every POST.")


class ErrorDetail(Strict):
    code: str = Field(description="Stable, machine-readable: branch on this.")
    message: str = Field(description="For people: may change wording.")
    fields: dict[str, str] | None = Field(
        None, description="Only for `validation_failed`: body key -> reason."
    )


class Error(Strict):
    error: ErrorDetail


REQUEST_MODELS: list[type[BaseModel]] = [RegisterIn, LoginIn]
RESPONSE_MODELS: list[type[BaseModel]] = [UserOut, SignedIn, CsrfOut, Error]


# Two-factor sign-in and re-authentication.


class SecondFactor(Strict):
    methods: list[str] = Field(
        description="The factors that may finish this sign-in: `totp` (send `code`), "
        "`recovery_code` (send `recovery_code`), `passkey` (`POST "
        "/api/v1/login/second-factor/passkey/options`, then `.../passkey`)."
    )


class SecondFactorNeeded(Strict):
    """The password was right; `POST /api/v1/login/second-factor` finishes the sign-in."""

    second_factor: SecondFactor


class SecondFactorIn(Strict):
    """Exactly one of the two: a code from the authenticator app, or a recovery code."""

    code: str | None = Field(None, examples=["123456"], description="Six digits from the app.")
    recovery_code: str | None = Field(
        None, description="One of the recovery codes (dashes optional); each works once."
    )


class SecondFactorSignedIn(SignedIn):
    """Signed in; after a recovery code, also how many are left."""

    recovery_codes_left: int | None = Field(
        None, description="Only after a recovery code: how many unused ones remain."
    )


class PasswordIn(Strict):
    """The signed-in user's password, given again."""

    password: str = Field(examples=["violet-harbour-88-tundra"])


class CodeIn(Strict):
    """A code from the authenticator app being set up."""

    code: str = Field(examples=["123456"], description="Six digits from the app.")


class TwoFactorOut(Strict):
    """What is on."""

    totp: bool = Field(description="Whether sign-ins ask for a code from an authenticator app.")
    enabled_at: datetime | None = Field(description="Since when (ISO 8601, UTC).")
    recovery_codes_left: int = Field(description="Unused recovery codes.")


class TotpSetupOut(Strict):
    """A new authenticator secret, pending until a code from it is confirmed."""

    secret: str = Field(description="Base32, 160 bits: type it into the app, or use the link.")
    otpauth_uri: str = Field(description="`otpauth://totp/...`: a link or QR code for the app.")


class RecoveryCodesOut(Strict):
    """New recovery codes: shown this once, never again."""

    recovery_codes: list[str]


class SessionsEndedOut(Strict):
    sessions_ended: int = Field(description="How many of the user's other sessions ended.")


REQUEST_MODELS += [SecondFactorIn, PasswordIn, CodeIn]
RESPONSE_MODELS += [
    SecondFactorNeeded,
    SecondFactorSignedIn,
    TwoFactorOut,
    TotpSetupOut,
    RecoveryCodesOut,
    SessionsEndedOut,
]

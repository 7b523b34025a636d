"""The API's bodies as pydantic models: they validate requests and generate the OpenAPI schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..identity import users


class Strict(BaseModel):
    """Exactly the documented keys, of exactly the documented JSON types, no coercion."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class RegisterIn(Strict):
    """A new account's name and password."""

    # Their descriptions come from the app's policy (openapi.py), as the form's hints do.
    username: str = Field(examples=["alice"])
    password: str = Field(examples=["violet-harbour-88-tundra"])
    email: str | None = Field(
        None,
        examples=["alice@example.com"],
        description=(
            "Optional unless EMAIL_REQUIRED. A link to confirm it is sent to it; the answer is "
            "the same whether or not another account uses the address."
        ),
    )


class LoginIn(Strict):
    """Credentials, and whether this device stays signed in for REMEMBER_DAYS."""

    username: str = Field(
        examples=["alice"],
        description="The username, or a confirmed e-mail address (when SIGN_IN_WITH_EMAIL).",
    )
    password: str = Field(examples=["violet-harbour-88-tundra"])
    remember: bool = Field(False, description="Keep this device signed in (remember-me).")


class User(Strict):
    """An account as the API shows it (never its password hash)."""

    username: str
    created_at: datetime = Field(description="When the account was created (ISO 8601, UTC).")
    signed_in_at: datetime | None = Field(
        description="When this session signed in (UTC); null when there is no session (a new "
        "account)."
    )
    previous_login_at: datetime | None = Field(
        description="The account's sign-in before this session's (UTC): what the user page "
        'shows as "Previous sign-in". Null at the first sign-in and for a new account.'
    )
    last_login_at: datetime | None = Field(
        deprecated=True,
        description="Deprecated: the same as `signed_in_at` (this session's sign-in), not the "
        'user page\'s "Previous sign-in", which is `previous_login_at`.',
    )
    email: str | None = Field(
        None,
        description="The confirmed address, else the one waiting for confirmation, else null.",
    )
    email_confirmed: bool = Field(False, description="Whether `email` is confirmed.")

    @classmethod
    def of(cls, doc: dict[str, Any]) -> User:
        """From the document of a new account: it has never signed in."""
        email, confirmed = users.email_of(doc)
        return cls(
            username=doc["username"],
            created_at=doc["created_at"],
            signed_in_at=None,
            previous_login_at=None,
            last_login_at=None,
            email=email,
            email_confirmed=confirmed,
        )

    @classmethod
    def signed_in(cls, user: Any) -> User:
        """From the signed-in user (web.login.SignedInUser), without reading the user document."""
        email, confirmed = user.email
        return cls(
            username=user.username,
            created_at=user.created_at,
            signed_in_at=user.signed_in_at,
            previous_login_at=user.previous_login_at,
            last_login_at=user.signed_in_at,
            email=email,
            email_confirmed=confirmed,
        )


class UserOut(Strict):
    user: User


class SignedIn(Strict):
    """The signed-in user, and the CSRF token of the new session (the old one is void)."""

    user: User
    csrf_token: str = Field(description="Send it as X-CSRFToken from now on.")


class CsrfOut(Strict):
    csrf_token: str = Field(description="Send it as X-CSRFToken with every POST and DELETE.")


class PasswordChangeIn(Strict):
    """The password the user has now, and the one to replace it."""

    # new_password's description comes from the app's policy (openapi.py).
    current_password: str = Field(examples=["violet-harbour-88-tundra"])
    new_password: str = Field(examples=["amber-lantern-42-glacier"])


class PasswordIn(Strict):
    """The signed-in user's password, given again: to confirm a change or re-authenticate."""

    password: str = Field(examples=["violet-harbour-88-tundra"])


class Session(Strict):
    """One live session of the user, as the account page lists it."""

    id: str = Field(
        description="The session's id: the SHA-256 (hex) of its cookie's secret token, as the "
        "server stores it. It names the session for `DELETE /api/v1/sessions/{id}` and cannot "
        "be turned back into the token, so it signs no one in.",
        pattern="^[0-9a-f]{64}$",
    )
    device: str = Field(
        description='Read from the User-Agent at sign-in: "Firefox on Linux", or "Unknown device".'
    )
    ip: str | None = Field(description="The address it signed in from, when known.")
    signed_in_at: datetime = Field(description="When it signed in (UTC).")
    last_seen_at: datetime = Field(description="Its last request (UTC, to the minute).")
    remember: bool = Field(description="Signed in with remember-me.")
    current: bool = Field(description="True for the session making this request.")


class SessionsOut(Strict):
    sessions: list[Session] = Field(description="This session first, then most recently used.")


class EndedOut(Strict):
    ended: int = Field(description="How many sessions ended.")


class Event(Strict):
    """One entry of the account's "Recent activity"."""

    event: str = Field(
        description="Stable, machine-readable: `sign_in`, `sign_in_failed`, `password_changed`, "
        "... (the audit trail's names)."
    )
    description: str = Field(
        description="For people, as the user page words it (with who did it, when not the user)."
    )
    actor: str | None = Field(
        description="Who did it: `self` (the user, or someone signing in as them), `cli` (an "
        "administrator's command line)."
    )
    at: datetime = Field(description="When it happened (UTC).")
    ip: str | None = Field(description="The address it came from, when known.")
    device: str = Field(description="Read from its User-Agent, as for sessions.")


class ActivityOut(Strict):
    events: list[Event] = Field(description="The latest events, newest first.")


class ErrorDetail(Strict):
    code: str = Field(description="Stable, machine-readable: branch on this.")
    message: str = Field(description="For people: may change wording.")
    fields: dict[str, str] | None = Field(
        None, description="Only for `validation_failed`: body key -> reason."
    )


class Error(Strict):
    error: ErrorDetail


REQUEST_MODELS: list[type[BaseModel]] = [RegisterIn, LoginIn, PasswordChangeIn, PasswordIn]
RESPONSE_MODELS: list[type[BaseModel]] = [
    UserOut,
    SignedIn,
    CsrfOut,
    SessionsOut,
    EndedOut,
    ActivityOut,
    Error,
]


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


REQUEST_MODELS += [SecondFactorIn, CodeIn]
RESPONSE_MODELS += [
    SecondFactorNeeded,
    SecondFactorSignedIn,
    TwoFactorOut,
    TotpSetupOut,
    RecoveryCodesOut,
    SessionsEndedOut,
]


# E-mail: asking for a reset link, using it, confirming an address.
class ForgotIn(Strict):
    """The address a reset link should go to, if an account has confirmed it."""

    email: str = Field(examples=["alice@example.com"])


class ResetIn(Strict):
    """A reset link's token and the new password (and, for an account with a second factor,
    that factor's `method` and `code`)."""

    token: str = Field(description="The last part of the link's path: `/auth/reset/<token>`.")
    new_password: str = Field(examples=["quartz-meadow-51-lantern"])
    method: str | None = Field(None, description="A second factor's name, if the account has one.")
    code: str | None = Field(None, description="That factor's code.")


class ConfirmIn(Strict):
    """A confirmation link's token."""

    token: str = Field(description="The last part of the link's path: `/auth/confirm/<token>`.")


REQUEST_MODELS += [ForgotIn, ResetIn, ConfirmIn]

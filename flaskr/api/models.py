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
    last_login_at: datetime | None = Field(
        description="When this account last signed in (this session's sign-in for `me`)."
    )
    email: str | None = Field(
        None,
        description="The confirmed address, else the one waiting for confirmation, else null.",
    )
    email_confirmed: bool = Field(False, description="Whether `email` is confirmed.")

    @classmethod
    def of(cls, doc: dict[str, Any]) -> User:
        """From a user document (a new account)."""
        email, confirmed = users.email_of(doc)
        return cls(
            username=doc["username"],
            created_at=doc["created_at"],
            last_login_at=doc.get("last_login_at"),
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

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

"""Routes under /api/v1: JSON in, JSON out, the same users and sessions as the forms."""

from __future__ import annotations

import math
from typing import TypeVar

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from pydantic import BaseModel, ValidationError

from .. import messages
from ..identity import accounts, signin, users
from ..web import login as flow
from ..web.context import actor, settings
from ..web.errors import ApiError
from ..web.ratelimit import count_registration
from . import openapi
from .models import (
    CsrfOut,
    LoginIn,
    RegisterIn,
    SecondFactor,
    SecondFactorNeeded,
    SignedIn,
    User,
    UserOut,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

M = TypeVar("M", bound=BaseModel)

# Reasons people can act on, instead of pydantic's wording for the same error types.
REASONS = {
    "missing": messages.FIELD_REQUIRED,
    "extra_forbidden": messages.UNKNOWN_FIELD,
    "string_type": messages.MUST_BE_STRING,
    "bool_type": messages.MUST_BE_BOOLEAN,
}


def parse(model: type[M]) -> M:
    """The JSON body validated as `model`; anything else raises an ApiError before any work."""
    if not request.is_json:
        raise ApiError(415, messages.SEND_JSON, "unsupported_media_type")
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as e:
        raise _validation_error(e) from None


def _validation_error(e: ValidationError) -> ApiError:
    errors = e.errors(include_url=False, include_input=False)
    if any(err["type"] == "json_invalid" for err in errors):
        return ApiError(400, messages.INVALID_JSON, "invalid_json")
    fields = {
        str(err["loc"][0]): REASONS.get(err["type"], err["msg"]) for err in errors if err["loc"]
    }
    if not fields:
        return ApiError(422, messages.NOT_AN_OBJECT, "validation_failed")
    return invalid(fields)


def invalid(fields: dict[str, str]) -> ApiError:
    """422 with the reason for each field."""
    return ApiError(422, messages.INVALID_FIELDS, "validation_failed", fields)


def refuse(**reasons: str | None) -> None:
    """422 with every field that has a reason, if any has one."""
    fields = {name: reason for name, reason in reasons.items() if reason}
    if fields:
        raise invalid(fields)


def fresh_csrf_token() -> str:
    """A CSRF token for the current session, made anew if sign-in has just cleared it."""
    # Flask-WTF caches the token per request in `g`; sign-in cleared the one it came from.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    return generate_csrf()


@bp.after_request
def no_store(response):
    # Tokens and account details must not be kept by caches or in the browser's history.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/csrf")
def csrf():
    return jsonify(CsrfOut(csrf_token=generate_csrf()).model_dump(mode="json"))


@bp.post("/register")
def register():
    data = parse(RegisterIn)
    # The form's rules and messages, from the one place that owns them.
    policy = settings().policy
    fields = {
        name: reason
        for name, reason in (
            ("username", policy.username_problem(data.username)),
            ("password", policy.password_problem(data.password, data.username)),
            ("email", accounts.email_problem(data.email, settings())),
        )
        if reason
    }
    if fields:
        raise invalid(fields)
    count_registration()
    try:
        user = accounts.create_account(
            data.username, data.password, email=data.email, actor=actor(), settings=settings()
        )
    except users.UsernameTaken:
        raise ApiError(409, messages.USERNAME_TAKEN, "username_taken") from None
    return jsonify(UserOut(user=User.of(user)).model_dump(mode="json")), 201


def throttled(outcome: signin.Throttled) -> ApiError:
    """429 with the same words as the form, and Retry-After (whole seconds, at least one)."""
    wait = max(1, math.ceil(outcome.retry_after))
    return ApiError(
        429,
        messages.too_many_attempts(outcome.retry_after),
        "too_many_attempts",
        headers={"Retry-After": str(wait)},
    )


@bp.post("/login")
def login():
    data = parse(LoginIn)
    outcome = flow.attempt_sign_in(data.username, data.password, data.remember)
    if isinstance(outcome, signin.Throttled):
        raise throttled(outcome)
    if isinstance(outcome, signin.NeedsStep):
        # Nothing is signed in yet: POST /login/second-factor finishes it (api/two_factor.py).
        needed = SecondFactorNeeded(second_factor=SecondFactor(methods=list(outcome.methods)))
        return jsonify(needed.model_dump(mode="json"))
    if not isinstance(outcome, signin.SignedIn):
        raise ApiError(401, messages.INCORRECT_LOGIN, "invalid_credentials")
    body = SignedIn(user=User.signed_in(current_user), csrf_token=fresh_csrf_token())
    return jsonify(body.model_dump(mode="json"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        flow.sign_out()
    return "", 204


@bp.get("/me")
@login_required
def me():
    return jsonify(UserOut(user=User.signed_in(current_user)).model_dump(mode="json"))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.spec(settings().policy))


def code_spans(text: str) -> Markup:
    """`text` escaped, with its `backticked` parts set as code."""
    parts = escape(text).split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else p for i, p in enumerate(parts)
    )


@bp.get("/docs")
def docs():
    return render_template(
        "api/docs.html",
        spec=openapi.spec(settings().policy),
        ops=openapi.operations(settings().policy),
        code=code_spans,
    )

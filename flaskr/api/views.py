"""Routes under /api/v1: JSON in, JSON out, the same users and sessions as the forms."""

from __future__ import annotations

import math
from typing import TypeVar

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from pydantic import BaseModel, ValidationError

from .. import users
from ..errors import ApiError
from ..login import TooManyAttempts, attempt_sign_in, sign_out
from ..ratelimit import count_registration
from . import openapi
from .models import CsrfOut, LoginIn, RegisterIn, SignedIn, User, UserOut

bp = Blueprint("api", __name__, url_prefix="/api/v1")

M = TypeVar("M", bound=BaseModel)

TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Please wait before trying again."

# Reasons people can act on, instead of pydantic's wording for the same error types.
REASONS = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field.",
    "string_type": "Must be a string.",
    "bool_type": "Must be true or false.",
}


def parse(model: type[M]) -> M:
    """The JSON body validated as `model`; anything else raises an ApiError before any work."""
    if not request.is_json:
        raise ApiError(
            415,
            "Send a JSON body with Content-Type: application/json.",
            "unsupported_media_type",
        )
    try:
        return model.model_validate_json(request.get_data())
    except ValidationError as e:
        raise _validation_error(e) from None


def _validation_error(e: ValidationError) -> ApiError:
    errors = e.errors(include_url=False, include_input=False)
    if any(err["type"] == "json_invalid" for err in errors):
        return ApiError(400, "The body is not valid JSON.", "invalid_json")
    fields = {
        str(err["loc"][0]): REASONS.get(err["type"], err["msg"]) for err in errors if err["loc"]
    }
    if not fields:
        return ApiError(422, "The body must be a JSON object.", "validation_failed")
    return ApiError(422, "Some fields are missing or invalid.", "validation_failed", fields)


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
    fields = {
        name: reason
        for name, reason in (
            ("username", users.username_problem(data.username)),
            ("password", users.password_problem(data.password, data.username)),
        )
        if reason
    }
    if fields:
        raise ApiError(422, "Some fields are missing or invalid.", "validation_failed", fields)
    count_registration()
    try:
        user = users.create_user(data.username, data.password, current_app.config["BCRYPT_ROUNDS"])
    except users.UsernameTaken:
        raise ApiError(409, "That username is already taken.", "username_taken") from None
    return jsonify(UserOut(user=User.of(user)).model_dump(mode="json")), 201


@bp.post("/login")
def login():
    data = parse(LoginIn)
    try:
        signed_in = attempt_sign_in(data.username, data.password, data.remember)
    except TooManyAttempts as e:
        wait = str(max(1, math.ceil(e.retry_after)))
        raise ApiError(
            429, TOO_MANY_ATTEMPTS, "too_many_attempts", headers={"Retry-After": wait}
        ) from None
    if signed_in is None:
        raise ApiError(401, users.INCORRECT_LOGIN, "invalid_credentials")
    body = SignedIn(user=User.signed_in(signed_in), csrf_token=fresh_csrf_token())
    return jsonify(body.model_dump(mode="json"))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        sign_out(current_user)
    return "", 204


@bp.get("/me")
@login_required
def me():
    return jsonify(UserOut(user=User.signed_in(current_user)).model_dump(mode="json"))


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.spec())


def code_spans(text: str) -> Markup:
    """`text` escaped, with its `backticked` parts set as code."""
    parts = escape(text).split("`")
    return Markup("").join(
        Markup("<code>{}</code>").format(p) if i % 2 else p for i, p in enumerate(parts)
    )


@bp.get("/docs")
def docs():
    return render_template(
        "api/docs.html", spec=openapi.spec(), ops=openapi.operations(), code=code_spans
    )

"""The device cookie: a long-lived random id for this browser, signed with the SECRET_KEY.

It is set at each successful sign-in (web/login.py) and travels in `Actor.device`; an account
keeps only the hash of each id it has signed in from (identity.users.remember_device), so a
sign-in from a device the account has never used can be told to its owner (mail.notices).
Anything that wants to know "is this a device the account knows?" (a per-device failure
budget, say) reads `current()` through the actor and asks `users.knows_device`.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "flaskr_device"
_SALT = "flaskr.device-cookie"
_ID_LENGTH = 43  # secrets.token_urlsafe(32)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def current() -> str | None:
    """This browser's device id, if it sent a cookie this app signed; else None."""
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        device = _signer().loads(value)
    except BadSignature:
        return None
    return device if isinstance(device, str) and len(device) == _ID_LENGTH else None


def for_sign_in() -> str:
    """The id a sign-in from this browser uses: its own, or a new one."""
    return current() or secrets.token_urlsafe(32)


def remember(device: str) -> None:
    """Give this browser the cookie for `device` with the response (renewing its life)."""
    g._flaskr_device = device


def _set_cookie(response: Response) -> Response:
    device = g.pop("_flaskr_device", None)
    if device is not None:
        config = current_app.config
        response.set_cookie(
            COOKIE,
            _signer().dumps(device),
            max_age=int(config["DEVICE_COOKIE_DAYS"]) * 86400,
            httponly=True,
            samesite="Lax",
            secure=bool(config["SESSION_COOKIE_SECURE"]),
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_cookie)

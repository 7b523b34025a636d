"""Two-factor sign-in: the authenticator app (TOTP), recovery codes and passkeys, set up and
turned off at /account/two-factor; the factors themselves live in the identity core."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_login import current_user

from .. import messages
from ..config import ConfigError
from ..identity import ceremonies, recovery_codes, totp
from ..identity.relying_party import BadRelyingParty, RelyingParty
from ..identity.secrets_box import BadKey, Keyring
from ..web.context import FACTORS, KEYS
from ..web.errors import ApiError, wants_json
from . import passkeys  # noqa: F401 (its routes join the blueprint)
from .views import bp

# What a signed-in user who must still set up two-factor sign-in may reach (TWO_FACTOR_REQUIRED).
ENROLMENT_OPEN = (
    "two_factor.",
    "auth.logout",
    "auth.reauthenticate",
    "static",
    "health.",
    "api.csrf",
    "api.logout",
    "api.me",
    "api.openapi_json",
    "api.docs",
    "api.reauthenticate",
    "api.two_factor",
    "api.passkey",
)


def keyring(config) -> Keyring:
    """The keys from ENCRYPTION_KEY and ENCRYPTION_OLD_KEYS; a bad one stops the start."""
    try:
        return Keyring.from_text(config["ENCRYPTION_KEY"], config["ENCRYPTION_OLD_KEYS"])
    except (BadKey, ValueError) as e:
        raise ConfigError(
            f"flaskr: ENCRYPTION_KEY or ENCRYPTION_OLD_KEYS is not usable ({e}); a key is 32 "
            "random bytes in URL-safe base64: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'."
        ) from None


def enrolment_first():
    """With TWO_FACTOR_REQUIRED, a signed-in account without a second factor sets one up
    before anything else."""
    if not (request.endpoint and current_user.is_authenticated) or current_user.second_factor:
        return None
    if request.endpoint.startswith(ENROLMENT_OPEN):
        return None
    if wants_json():
        raise ApiError(403, messages.TWO_FACTOR_ENROL, "two_factor_required")
    flash(messages.TWO_FACTOR_ENROL, "info")
    return redirect(url_for("two_factor.index"))


def relying_party(config) -> RelyingParty | None:
    """The site passkeys belong to (None: not configured); contradicting settings stop the
    start."""
    try:
        return RelyingParty.from_config(config)
    except BadRelyingParty as e:
        raise ConfigError(
            f"flaskr: {e}. PUBLIC_URL is the address people use (https://auth.example.com); "
            "WEBAUTHN_RP_ID, if set, is its host or a domain above it (example.com)."
        ) from None


def init_app(app: Flask) -> None:
    keys = keyring(app.config)
    app.extensions[KEYS] = keys
    # The order is the order a sign-in offers them in.
    app.extensions[FACTORS].extend(
        [
            totp.TotpFactor(keys),
            recovery_codes.RecoveryCodeFactor(),
            ceremonies.PasskeyFactor(relying_party(app.config)),
        ]
    )
    if app.config["TWO_FACTOR_REQUIRED"]:
        app.before_request(enrolment_first)
    app.register_blueprint(bp)

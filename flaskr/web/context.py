"""What the doors hand the identity core from a request: its settings and its actor."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user

from ..identity.audit import Actor
from ..identity.settings import Settings
from . import devices

FACTORS = "flaskr.factors"
KEYS = "flaskr.keys"  # the Keyring built from ENCRYPTION_KEY(S) when the app starts


def settings() -> Settings:
    """The identity settings of the current app (its config, read now)."""
    extensions = current_app.extensions
    return Settings.from_config(
        current_app.config, extensions.get(FACTORS, ()), extensions.get(KEYS)
    )


def actor(device: str | None = None) -> Actor:
    """The person making this request, as the audit trail records them; `device` is the id
    a sign-in is giving this browser, when it has none yet."""
    return Actor.self(request.remote_addr, request.user_agent.string, device or devices.current())


def account(user: Any) -> dict[str, Any]:
    """The signed-in user as the one door takes an account: its id and username."""
    return {"_id": user.id, "username": user.username}


def admin_actor() -> Actor:
    """The signed-in administrator making this request, as the audit trail records them."""
    return Actor(f"admin:{current_user.username}", request.remote_addr, request.user_agent.string)

"""Who may enter the admin area, and what each action asks first: one guard for all of it.

Every request needs a signed-in user with the `admin` role (signed out: the sign-in page;
without the role: 403); with ADMIN_REQUIRES_TWO_FACTOR, a second factor enrolled (else the
enrol page); and every action (any method but GET) a password given within REAUTH_MINUTES
(else the re-authentication page, then back to the page the action was on).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from .. import messages
from ..extensions import login_manager
from ..identity import users
from ..web.roles import has_roles
from ..web.stepup import has_second_factor, reauthenticate_url, reauthenticated_recently

ENROL = "admin.enrol"


def _back() -> str:
    """The page an action was taken on: the user's page, or the area's first page."""
    user_id = (request.view_args or {}).get("user_id")
    return url_for("admin.user", user_id=user_id) if user_id else url_for("admin.index")


def check():
    """The guard itself (the blueprint's before_request): None lets the request through."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not has_roles(users.ADMIN):
        raise Forbidden(messages.NOT_ALLOWED)
    if request.endpoint == ENROL:
        return None
    if current_app.config["ADMIN_REQUIRES_TWO_FACTOR"] and not has_second_factor(current_user.doc):
        return redirect(url_for(ENROL))
    if request.method != "GET" and not reauthenticated_recently():
        flash(messages.ADMIN_REAUTH, "info")
        return redirect(reauthenticate_url(_back()))
    return None

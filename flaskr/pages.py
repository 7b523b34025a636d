"""The public landing page and the signed-in user's page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .identity import audit, clock

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/user")
@login_required
def user():
    events = audit.recent(current_user.id, now=clock.now())
    return render_template("user.html", user=current_user, events=events)

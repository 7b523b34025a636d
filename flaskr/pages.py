"""The public landing page and the signed-in user's page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from .web import own

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/user")
@login_required
def user():
    return render_template("user.html", user=current_user, events=own.recent_activity())

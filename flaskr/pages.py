"""The public landing page and the signed-in user's page."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from . import audit, users

bp = Blueprint("pages", __name__)


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """A stored time as people read it, in UTC."""
    return value.strftime("%d %B %Y, %H:%M UTC") if value else ""


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/user")
@login_required
def user():
    events = audit.recent(current_user.id, now=users.now())
    return render_template(
        "user.html", user=current_user, events=events, describe_event=_describe_event
    )


def _describe_event(event: str) -> str:
    return audit.DESCRIPTIONS.get(event, event.replace("_", " ").capitalize())

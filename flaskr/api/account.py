"""Routes under /api/v1 for the signed-in user's own account: the account and user pages'
twins, through the same code (web.own) and so the same rules, events and words."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify
from flask_login import current_user, login_required

from .. import messages
from ..identity import signin
from ..web import login as flow
from ..web import own
from ..web.context import settings
from ..web.errors import ApiError
from .models import (
    ActivityOut,
    EndedOut,
    Event,
    PasswordChangeIn,
    PasswordIn,
    Session,
    SessionsOut,
)
from .views import bp, parse, refuse, throttled


def _typed_password(password: str, required: str) -> str | None:
    """The form's rules for a password being confirmed: given, and no longer than any can be."""
    if not password:
        return required
    if len(password) > settings().policy.password_max:
        return messages.PASSWORD_TOO_LONG
    return None


def _confirm(password: str) -> None:
    """Go on only if `password` is the signed-in user's (throttled like a sign-in)."""
    confirmed = flow.confirm_password(password)
    if isinstance(confirmed, signin.Throttled):
        raise throttled(confirmed)
    if not confirmed:
        raise ApiError(400, messages.WRONG_CURRENT_PASSWORD, "wrong_password")


@bp.get("/sessions")
@login_required
def list_sessions():
    rows = [Session(**asdict(row)) for row in own.live_sessions()]
    return jsonify(SessionsOut(sessions=rows).model_dump(mode="json"))


@bp.delete("/sessions/<id>")
@login_required
def end_session(id: str):  # the name the OpenAPI document gives the path parameter
    if not own.end_session(id):
        # Someone else's session, or one already ended: the same answer.
        raise ApiError(404, messages.NO_SUCH_SESSION, "session_not_found")
    return "", 204


@bp.post("/sessions/revoke-others")
@login_required
def end_other_sessions():
    return jsonify(EndedOut(ended=own.end_other_sessions()).model_dump(mode="json"))


@bp.post("/password")
@login_required
def change_password():
    data = parse(PasswordChangeIn)
    # As the account page: the fields first (no guess is counted for a refused form).
    refuse(
        current_password=_typed_password(data.current_password, messages.ENTER_CURRENT_PASSWORD),
        new_password=settings().policy.password_problem(data.new_password, current_user.username),
    )
    _confirm(data.current_password)
    own.change_password(data.new_password)
    return "", 204


@bp.get("/activity")
@login_required
def activity():
    rows = [Event(**asdict(row)) for row in own.recent_activity()]
    return jsonify(ActivityOut(events=rows).model_dump(mode="json"))


@bp.post("/account/delete")
@login_required
def delete_account():
    data = parse(PasswordIn)
    refuse(password=_typed_password(data.password, messages.CONFIRM_WITH_PASSWORD))
    _confirm(data.password)
    own.delete_account()
    return "", 204

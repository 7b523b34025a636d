"""The admin area's actions on one account: each a POST with its CSRF token, through the one
door (identity.accounts), audited as `admin:<name>`. None sees or sets a password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, url_for

from .. import messages
from ..identity import accounts, users
from ..web.context import admin_actor, settings
from . import people
from .forms import DeleteUserForm
from .views import bp, user_page


class Refused(Exception):
    """The account's state does not allow the action: said on its page, with 409."""


def _refused(user_id: str, reason: str):
    flash(reason, "error")
    return user_page(user_id, status=409)


def _act(user_id: str, change: Callable[[dict[str, Any]], str]):
    """Apply `change(user)`, which answers what it did; then back to the user's page, or the
    page again with 409 when the change would leave no active administrator (or is Refused)."""
    user = people.user_or_404(user_id)
    try:
        done = change(user)
    except accounts.LastAdmin:
        return _refused(user_id, messages.LAST_ADMIN)
    except Refused as e:
        return _refused(user_id, str(e))
    flash(done, "success")
    return redirect(url_for("admin.user", user_id=user_id))


def _by_admin() -> dict[str, Any]:
    return {"actor": admin_actor(), "settings": settings()}


@bp.post("/users/<user_id>/disable")
def disable(user_id: str):
    def change(user):
        ended = accounts.disable_account(user, **_by_admin())
        return messages.admin_disabled(user["username"], ended)

    return _act(user_id, change)


@bp.post("/users/<user_id>/sessions/revoke")
def end_sessions(user_id: str):
    def change(user):
        ended = accounts.end_other_sessions(user, None, **_by_admin())
        return messages.admin_sessions_ended(user["username"], ended)

    return _act(user_id, change)


@bp.post("/users/<user_id>/sessions/<session_id>/revoke")
def end_session(user_id: str, session_id: str):
    def change(user):
        if not accounts.end_session(user, session_id, **_by_admin()):
            abort(404, messages.ADMIN_NO_SUCH_SESSION)
        return messages.admin_done("session_ended", user["username"])

    return _act(user_id, change)


@bp.post("/users/<user_id>/delete")
def delete(user_id: str):
    user = people.user_or_404(user_id)
    form = DeleteUserForm(user["username"])
    if not form.validate_on_submit():
        return user_page(user_id, delete_form=form, status=400)
    try:
        accounts.delete_account(user, **_by_admin())
    except accounts.LastAdmin:
        return _refused(user_id, messages.LAST_ADMIN)
    flash(messages.admin_deleted(user["username"]), "success")
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<user_id>/send-reset")
def send_reset(user_id: str):
    def change(user):
        if not accounts.request_reset(user, **_by_admin()):
            raise Refused(messages.admin_done("no_reset", user["username"]))
        return messages.admin_done("reset_sent", user["username"])

    return _act(user_id, change)


def _grant_admin(user: dict[str, Any], **by: Any) -> bool:
    return accounts.grant_role(user, users.ADMIN, **by)


def _revoke_admin(user: dict[str, Any], **by: Any) -> bool:
    return accounts.revoke_role(user, users.ADMIN, **by)


# The actions that are one call of the door: its path, name, the door's function, and what is
# said after (the door answering False: nothing changed, it was so already).
ONE_CALL = [
    ("enable", "enable", accounts.enable_account, "enabled"),
    ("unlock", "unlock", accounts.unlock_account, "unlocked"),
    ("admin/grant", "grant_admin", _grant_admin, "granted"),
    ("admin/revoke", "revoke_admin", _revoke_admin, "revoked"),
    ("two-factor/remove", "remove_second_factors", accounts.reset_two_factor, "factors_removed"),
]


def _one_call(door: Callable[..., Any], done: str) -> Callable[[str], Any]:
    def view(user_id: str):
        def change(user):
            changed = door(user, **_by_admin()) is not False
            return messages.admin_done(done if changed else "not_changed", user["username"])

        return _act(user_id, change)

    return view


for path, name, door, done in ONE_CALL:
    bp.add_url_rule(f"/users/<user_id>/{path}", name, _one_call(door, done), methods=["POST"])

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


def _act(user_id: str, change: Callable[[dict[str, Any]], str]):
    """Apply `change(user)`, which answers what it did; then back to the user's page, or the
    page again with 409 when the change would leave no active administrator."""
    user = people.user_or_404(user_id)
    try:
        done = change(user)
    except accounts.LastAdmin:
        flash(messages.LAST_ADMIN, "error")
        return user_page(user_id, status=409)
    flash(done, "success")
    return redirect(url_for("admin.user", user_id=user_id))


def _by_admin() -> dict[str, Any]:
    return {"actor": admin_actor(), "settings": settings()}


@bp.post("/users/<user_id>/disable")
def disable(user_id: str):
    return _act(
        user_id,
        lambda u: messages.admin_disabled(
            u["username"], accounts.disable_account(u, **_by_admin())
        ),
    )


@bp.post("/users/<user_id>/enable")
def enable(user_id: str):
    def change(user):
        accounts.enable_account(user, **_by_admin())
        return messages.admin_done("enabled", user["username"])

    return _act(user_id, change)


@bp.post("/users/<user_id>/unlock")
def unlock(user_id: str):
    def change(user):
        accounts.unlock_account(user, **_by_admin())
        return messages.admin_done("unlocked", user["username"])

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


@bp.post("/users/<user_id>/admin/grant")
def grant_admin(user_id: str):
    def change(user):
        granted = accounts.grant_role(user, users.ADMIN, **_by_admin())
        return messages.admin_done("granted" if granted else "not_changed", user["username"])

    return _act(user_id, change)


@bp.post("/users/<user_id>/admin/revoke")
def revoke_admin(user_id: str):
    def change(user):
        revoked = accounts.revoke_role(user, users.ADMIN, **_by_admin())
        return messages.admin_done("revoked" if revoked else "not_changed", user["username"])

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
        flash(messages.LAST_ADMIN, "error")
        return user_page(user_id, status=409)
    flash(messages.admin_deleted(user["username"]), "success")
    return redirect(url_for("admin.users_list"))


@bp.post("/users/<user_id>/two-factor/remove")
def remove_second_factors(user_id: str):
    def change(user):
        removed = accounts.reset_two_factor(user, **_by_admin())
        return messages.admin_done(
            "factors_removed" if removed else "not_changed", user["username"]
        )

    return _act(user_id, change)

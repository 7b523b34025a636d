"""Routes under /account: settings, password change, sessions, deletion."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, logout_user

from .. import accounts, audit, devices, sessions, users
from ..login import TooManyAttempts, confirm_password, record_event
from .forms import ChangePasswordForm, DeleteAccountForm

bp = Blueprint("account", __name__, url_prefix="/account")

WRONG_PASSWORD = "That is not your current password."  # noqa: S105 (a message)


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every page here is about the signed-in user."""


@bp.app_template_filter("device")
def device(user_agent: str | None) -> str:
    return devices.describe(user_agent)


def _page(password_form=None, delete_form=None, status: int = 200, headers=None):
    page = render_template(
        "account/index.html",
        # This device first, then the others, most recently used first.
        sessions=sorted(
            sessions.list_sessions(current_user.id, now=users.now()),
            key=lambda s: s["_id"] != current_user.session_id,
        ),
        this_session=current_user.session_id,
        password_form=password_form or ChangePasswordForm(formdata=None),
        delete_form=delete_form or DeleteAccountForm(formdata=None),
    )
    return page, status, headers or {}


def _throttled(e: TooManyAttempts, **forms):
    flash(e.message, "error")
    return _page(**forms, status=429, headers={"Retry-After": str(e.retry_after)})


def _password_refused(form, field, form_name: str):
    """The page to answer unless the form is valid and `field` holds the user's password."""
    if not form.validate_on_submit():
        return _page(**{form_name: form}, status=400)
    try:
        if confirm_password(current_user, field.data):
            return None
    except TooManyAttempts as e:
        return _throttled(e, **{form_name: form})
    field.errors.append(WRONG_PASSWORD)
    return _page(**{form_name: form}, status=400)


@bp.get("")
def index():
    return _page()


@bp.post("/password")
def change_password():
    form = ChangePasswordForm()
    refused = _password_refused(form, form.current_password, "password_form")
    if refused:
        return refused
    ended = accounts.change_password(
        current_user.id,
        form.new_password.data,
        current_app.config["BCRYPT_ROUNDS"],
        keep=current_user.session_id,
    )
    record_event(audit.PASSWORD_CHANGED, current_user.id)
    others = f" {ended} other session{'s' if ended != 1 else ''} signed out." if ended else ""
    flash("Your password has been changed." + others, "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/revoke")
def revoke_other_sessions():
    # The CSRF token, the only field, is checked for every POST by CSRFProtect.
    ended = sessions.end_user_sessions(current_user.id, keep=current_user.session_id)
    record_event(audit.SIGNED_OUT_EVERYWHERE, current_user.id)
    flash(f"Signed out {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/<session_id>/revoke")
def revoke_session(session_id: str):
    user_id, this = current_user.id, session_id == current_user.session_id
    if not sessions.end_user_session(user_id, session_id):
        abort(404)  # someone else's session, or one already ended: the same answer
    record_event(audit.SESSION_REVOKED, user_id)
    if this:
        logout_user()
        flash("You have signed out on this device.", "info")
        return redirect(url_for("auth.login"))
    flash("That session has been signed out.", "success")
    return redirect(url_for("account.index"))


@bp.post("/delete")
def delete_account():
    form = DeleteAccountForm()
    refused = _password_refused(form, form.password, "delete_form")
    if refused:
        return refused
    user_id = current_user.id
    accounts.delete_account(user_id, current_user.username)
    logout_user()
    # Logged for the operators; not stored, since the user's events are what was deleted.
    record_event(audit.ACCOUNT_DELETED, user_id, store=False)
    flash("Your account and everything stored about it have been deleted.", "info")
    return redirect(url_for("pages.index"))

"""Routes under /account: settings, password change, sessions, deletion."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .. import messages
from ..identity import signin
from ..web import login as flow
from ..web import own
from .forms import ChangePasswordForm, DeleteAccountForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every page here is about the signed-in user."""


def _page(password_form=None, delete_form=None, status: int = 200, headers=None):
    page = render_template(
        "account/index.html",
        sessions=own.live_sessions(),
        email=current_user.email,
        password_form=password_form or ChangePasswordForm(formdata=None),
        delete_form=delete_form or DeleteAccountForm(formdata=None),
    )
    return page, status, headers or {}


def password_refused(form, field, page):
    """`page(status, headers)` to answer, unless the form is valid and `field` holds the
    user's password (then None)."""
    if not form.validate_on_submit():
        return page(400, {})
    confirmed = flow.confirm_password(field.data)
    if isinstance(confirmed, signin.Throttled):
        flash(messages.too_many_attempts(confirmed.retry_after), "error")
        return page(429, {"Retry-After": str(confirmed.retry_after)})
    if confirmed:
        return None
    field.errors.append(messages.WRONG_CURRENT_PASSWORD)
    return page(400, {})


def _password_refused(form, field, form_name: str):
    """`password_refused` for a form of the account page."""
    return password_refused(
        form,
        field,
        lambda status, headers: _page(**{form_name: form}, status=status, headers=headers),
    )


@bp.get("")
def index():
    return _page()


@bp.post("/password")
def change_password():
    form = ChangePasswordForm()
    refused = _password_refused(form, form.current_password, "password_form")
    if refused:
        return refused
    ended = own.change_password(form.new_password.data)
    flash(messages.password_changed(ended), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/revoke")
def revoke_other_sessions():
    # The CSRF token, the only field, is checked for every POST by CSRFProtect.
    ended = own.end_other_sessions()
    flash(messages.signed_out_others(ended), "success")
    return redirect(url_for("account.index"))


@bp.post("/sessions/<session_id>/revoke")
def revoke_session(session_id: str):
    this = session_id == current_user.session_id
    if not own.end_session(session_id):
        abort(404)  # someone else's session, or one already ended: the same answer
    if this:  # own.end_session has signed this browser out
        flash(messages.SIGNED_OUT_THIS_DEVICE, "info")
        return redirect(url_for("auth.login"))
    flash(messages.SESSION_SIGNED_OUT, "success")
    return redirect(url_for("account.index"))


@bp.post("/delete")
def delete_account():
    form = DeleteAccountForm()
    refused = _password_refused(form, form.password, "delete_form")
    if refused:
        return refused
    own.delete_account()
    flash(messages.ACCOUNT_DELETED, "info")
    return redirect(url_for("pages.index"))

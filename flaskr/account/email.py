"""Routes under /account/email: add, change or remove the address, send its link again."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import messages
from ..identity import accounts, users
from ..web.context import account, actor, settings
from ..web.ratelimit import count_confirmation
from .forms import EmailForm
from .views import bp, password_refused


def _page(form=None, status: int = 200, headers=None):
    address, confirmed = users.email_of(current_user.doc)
    page = render_template(
        "account/email.html",
        form=form or EmailForm(formdata=None),
        address=address,
        confirmed=confirmed,
        pending=current_user.doc.get("pending_email"),
        email_required=settings().email_required,
    )
    return page, status, headers or {}


@bp.get("/email")
def email():
    return _page()


@bp.post("/email")
def change_email():
    form = EmailForm()
    refused = password_refused(
        form, form.current_password, lambda status, headers: _page(form, status, headers)
    )
    if refused:
        return refused
    if not form.email.data:
        removed = accounts.remove_email(account(current_user), actor=actor(), settings=settings())
        flash(messages.EMAIL_REMOVED if removed else messages.NO_EMAIL, "info")
        return redirect(url_for("account.email"))
    count_confirmation()
    asked = accounts.request_email(
        current_user.doc, form.email.data, actor=actor(), settings=settings()
    )
    # An address another account has gets the same answer as a free one.
    if asked is accounts.Asked.UNCHANGED:
        flash(messages.EMAIL_UNCHANGED, "info")
    else:
        flash(messages.confirmation_sent(form.email.data), "success")
    return redirect(url_for("account.email"))


@bp.post("/email/resend")
def resend_email():
    pending = current_user.doc.get("pending_email")
    if not pending:
        flash(messages.NOTHING_TO_CONFIRM, "info")
        return redirect(url_for("account.email"))
    count_confirmation()
    accounts.resend_confirmation(current_user.doc, actor=actor(), settings=settings())
    flash(messages.confirmation_sent(pending), "success")
    return redirect(url_for("account.email"))

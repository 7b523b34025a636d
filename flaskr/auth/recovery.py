"""Routes under /auth for links sent by e-mail: forgot, reset a password, confirm an address.

A GET of a link only shows a page (mail scanners fetch links); its form's POST does the work.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from .. import messages
from ..identity import accounts, recovery, signin, users
from ..web.context import actor, settings
from ..web.recovery import ask_for_reset
from .forms import ConfirmForm, ForgotForm, ResetForm
from .views import bp


def _bad_link(again_url: str, message: str = messages.LINK_INVALID, status: int = 400):
    """The page for a link that cannot be used, with the way to ask for a new one."""
    return render_template("auth/bad_link.html", message=message, again_url=again_url), status


@bp.route("/forgot", methods=("GET", "POST"))
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        # The same page, status and time whether or not an account has the address.
        ask_for_reset(form.email.data)
        return render_template("auth/forgot.html", form=form, sent=messages.RESET_LINK_SENT)
    return render_template("auth/forgot.html", form=form), 400 if form.is_submitted() else 200


def _refusal(outcome, form) -> tuple[str | None, int, dict[str, str]]:
    """The reason, status and headers for a reset refused at its second factor."""
    if isinstance(outcome, recovery.NeedsFactor):
        form.code.errors.append(messages.ENTER_CODE)
        return None, 400, {}
    if isinstance(outcome, signin.Throttled):
        wait = outcome.retry_after
        return messages.too_many_attempts(wait), 429, {"Retry-After": str(wait)}
    return messages.WRONG_CODE, 401, {}


@bp.route("/reset/<token>", methods=("GET", "POST"))
def reset_password(token: str):
    found = recovery.reset_link(token, settings())
    if found is None:
        return _bad_link(url_for("auth.forgot"))
    form = ResetForm()
    form.account_name = found.user["username"]
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            outcome = recovery.reset(
                token,
                form.new_password.data,
                method=form.method.data or next(iter(found.methods), None),
                answer=form.code.data or None,
                actor=actor(),
                settings=settings(),
            )
        except accounts.Invalid as e:
            form.new_password.errors.append(e.fields["password"])
            status = 400
        else:
            if isinstance(outcome, recovery.Reset):
                # No automatic sign-in: the new password is proven by using it.
                flash(messages.PASSWORD_RESET_DONE, "success")
                return redirect(url_for("auth.login"))
            if isinstance(outcome, recovery.BadLink):
                return _bad_link(url_for("auth.forgot"))
            error, status, headers = _refusal(outcome, form)
    elif form.is_submitted():
        status = 400
    page = render_template("auth/reset.html", form=form, methods=found.methods, error=error)
    return page, status, headers


@bp.route("/confirm/<token>", methods=("GET", "POST"))
def confirm_email(token: str):
    again = url_for("account.email")
    found = recovery.confirm_link(token)
    if found is None:
        return _bad_link(again)
    user, address = found
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            before = accounts.confirm_email(token, actor=actor(), settings=settings())
        except users.EmailTaken:
            return _bad_link(again, messages.EMAIL_TAKEN, 409)
        if before is None:
            return _bad_link(again)
        flash(messages.EMAIL_CONFIRMED, "success")
        return redirect(again if current_user.is_authenticated else url_for("auth.login"))
    page = render_template(
        "auth/confirm.html", form=form, address=address, username=user["username"]
    )
    return page, 400 if form.is_submitted() else 200

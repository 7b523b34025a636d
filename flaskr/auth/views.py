"""Routes under /auth: register, sign in (password, then any second step), sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import messages
from ..identity import accounts, signin, users
from ..web import login as flow
from ..web.context import actor, settings
from ..web.ratelimit import count_registration
from .forms import LoginForm, RegisterForm, SecondStepForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (one leading '/', no scheme, host or backslash)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _signed_in_already():
    """A signed-in person opening a sign-in or registration page goes to `next` or their page."""
    if request.method in ("GET", "HEAD") and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("pages.user"))
    return None


@bp.route("/register", methods=("GET", "POST"))
def register():
    if answer := _signed_in_already():
        return answer
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        count_registration()
        try:
            user = accounts.create_account(
                form.username.data, form.password.data, actor=actor(), settings=settings()
            )
        except users.UsernameTaken:
            form.username.errors.append(messages.USERNAME_TAKEN)
            status = 409
        else:
            if isinstance(flow.sign_in_new_account(user), signin.SignedIn):
                flash(messages.welcome(user["username"]), "success")
                return redirect(url_for("pages.user"))
            return redirect(url_for("auth.login"))  # disabled or deleted meanwhile
    elif form.is_submitted():
        status = 400
    if form.username.errors and not form.password.errors:
        # Only the username was wrong: the chosen password, which passed, stays typed in.
        form.password.keep_value()
    page = render_template("auth/register.html", form=form)
    return page, status, {"Cache-Control": "no-store"}


def _answer(outcome, page: str, form):
    """The page for a sign-in outcome: where to go next, or the form again with the reason."""
    next_page = safe_next(request.args.get("next"))
    if isinstance(outcome, signin.SignedIn):
        flash(messages.signed_in(outcome.user["username"]), "success")
        return redirect(next_page or url_for("pages.user"))
    if isinstance(outcome, signin.NeedsStep):
        return redirect(url_for("auth.second_step", next=next_page))
    if isinstance(outcome, signin.Expired):
        flash(messages.SECOND_STEP_EXPIRED, "error")
        return redirect(url_for("auth.login", next=next_page))
    if isinstance(outcome, signin.Throttled):
        error = messages.too_many_attempts(outcome.retry_after)
        page = render_template(page, form=form, error=error)
        return page, 429, {"Retry-After": str(outcome.retry_after)}
    return None


def _sign_in_page(form, template: str, attempt, refused: str):
    """A sign-in form's page: `attempt()` once the form is valid, then the outcome's answer."""
    status, error = 200, None
    if form.validate_on_submit():
        outcome = attempt()
        answer = _answer(outcome, template, form)
        if answer:
            return answer
        error, status = refused, 401
    elif form.is_submitted():
        status = 400
    return render_template(template, form=form, error=error), status


@bp.route("/login", methods=("GET", "POST"))
def login():
    if answer := _signed_in_already():
        return answer
    form = LoginForm()
    return _sign_in_page(
        form,
        "auth/login.html",
        lambda: flow.attempt_sign_in(form.username.data, form.password.data, form.remember.data),
        messages.INCORRECT_LOGIN,
    )


@bp.route("/second-step", methods=("GET", "POST"))
def second_step():
    """The second step of a sign-in whose password was right: a code from one factor."""
    methods = flow.pending_methods()
    if methods is None:
        flash(messages.SECOND_STEP_EXPIRED, "error")
        return redirect(url_for("auth.login", next=safe_next(request.args.get("next"))))
    form = SecondStepForm(method=methods[0])
    return _sign_in_page(
        form,
        "auth/second_step.html",
        lambda: flow.finish_sign_in(form.method.data, form.code.data),
        messages.WRONG_CODE,
    )


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        flow.sign_out()
        flash(messages.SIGNED_OUT, "info")
    return redirect(url_for("pages.index"))

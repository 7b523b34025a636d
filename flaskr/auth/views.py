"""Routes under /auth: register, sign in (password, then any second factor), re-authenticate,
sign out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import messages
from ..identity import accounts, ceremonies, recovery_codes, signin, users
from ..web import i18n, passkeys
from ..web import login as flow
from ..web.context import actor, settings
from ..web.paths import safe_next
from ..web.ratelimit import count_registration
from .forms import LoginForm, ReauthenticateForm, RecoveryCodeForm, RegisterForm, TwoFactorForm

RECOVERY = recovery_codes.NAME
PASSKEY = ceremonies.NAME

bp = Blueprint("auth", __name__, url_prefix="/auth")


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
                form.username.data,
                form.password.data,
                email=form.email.data or None,
                language=i18n.current(),
                actor=actor(),
                settings=settings(),
            )
        except users.UsernameTaken:
            form.username.errors.append(messages.USERNAME_TAKEN)
            status = 409
        else:
            if isinstance(flow.sign_in_new_account(user), signin.SignedIn):
                flash(messages.welcome(user["username"]), "success")
                if form.email.data:
                    flash(messages.confirmation_sent(form.email.data), "info")
                return redirect(url_for("pages.user"))
            return redirect(url_for("auth.login"))  # disabled or deleted meanwhile
    elif form.is_submitted():
        status = 400
    if not form.password.errors and (form.username.errors or form.email.errors):
        # Only the username or address was wrong: the chosen password, which passed, stays.
        form.password.keep_value()
    page = render_template(
        "auth/register.html", form=form, email_required=settings().email_required
    )
    return page, status, {"Cache-Control": "no-store"}


def _start_again():
    """Back to the password: the pending sign-in is gone (expired, used, or never here)."""
    flash(messages.SECOND_STEP_EXPIRED, "error")
    return redirect(url_for("auth.login", next=safe_next(request.args.get("next"))))


def _throttled(page: str, retry_after: int, **context):
    error = messages.too_many_attempts(retry_after)
    return render_template(page, error=error, **context), 429, {"Retry-After": str(retry_after)}


def _answer(outcome, page: str, form, **context):
    """The page for a sign-in outcome: where to go next, or the form again with the reason."""
    next_page = safe_next(request.args.get("next"))
    if isinstance(outcome, signin.SignedIn):
        flash(messages.signed_in(outcome.user["username"]), "success")
        return redirect(next_page or url_for("pages.user"))
    if isinstance(outcome, signin.NeedsStep):
        return redirect(url_for("auth.two_factor", next=next_page))
    if isinstance(outcome, signin.Expired):
        return _start_again()
    if isinstance(outcome, signin.Throttled):
        return _throttled(page, outcome.retry_after, form=form, **context)
    return None


def _sign_in_page(form, template: str, attempt, refused: str, **context):
    """A sign-in form's page: `attempt()` once the form is valid, then the outcome's answer."""
    status, error = 200, None
    if form.validate_on_submit():
        outcome = attempt()
        answer = _answer(outcome, template, form, **context)
        if answer:
            return answer
        error, status = refused, 401
    elif form.is_submitted():
        status = 400
    return render_template(template, form=form, error=error, **context), status


def _after_sign_in() -> str:
    return safe_next(request.args.get("next")) or url_for("pages.user")


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
        passkey=passkeys.button("sign-in", _after_sign_in()),
    )


@bp.route("/two-factor", methods=("GET", "POST"))
def two_factor():
    """The second step of a sign-in whose password was right: a code from the app."""
    methods = flow.pending_methods()
    if methods is None:
        return _start_again()
    codes = [m for m in methods if m not in (RECOVERY, PASSKEY)]
    button = passkeys.button("second-step", _after_sign_in()) if PASSKEY in methods else None
    if not codes and button is None:
        return redirect(url_for("auth.two_factor_recovery", next=request.args.get("next")))
    context = {"recovery": RECOVERY in methods, "passkey": button}
    if not codes:
        # Only a passkey (or a recovery code): the page has no code to send.
        return render_template("auth/two_factor.html", form=None, error=None, **context)
    form = TwoFactorForm(method=codes[0])
    return _sign_in_page(
        form,
        "auth/two_factor.html",
        lambda: flow.finish_sign_in(form.method.data, form.code.data),
        messages.WRONG_CODE,
        **context,
    )


@bp.route("/two-factor/recovery", methods=("GET", "POST"))
def two_factor_recovery():
    """The second step with a recovery code, for when the authenticator app is not at hand."""
    methods = flow.pending_methods()
    if methods is None:
        return _start_again()
    if RECOVERY not in methods:
        return redirect(url_for("auth.two_factor", next=request.args.get("next")))
    form = RecoveryCodeForm()

    def attempt():
        outcome = flow.finish_sign_in(RECOVERY, form.recovery_code.data)
        if isinstance(outcome, signin.SignedIn):
            flash(messages.signed_in_with_recovery_code(current_user.recovery_codes_left), "info")
        return outcome

    return _sign_in_page(form, "auth/recovery_code.html", attempt, messages.WRONG_RECOVERY_CODE)


@bp.route("/reauthenticate", methods=("GET", "POST"))
@login_required
def reauthenticate():
    """Give the password (or a passkey) again before a sensitive change; then back to `next`."""
    form = ReauthenticateForm()
    status, page = 200, "auth/reauthenticate.html"
    back = safe_next(request.args.get("next")) or url_for("account.index")
    button = passkeys.button("reauthenticate", back) if current_user.passkeys else None
    if form.validate_on_submit():
        confirmed = flow.reauthenticate(form.password.data)
        if isinstance(confirmed, signin.Throttled):
            return _throttled(page, confirmed.retry_after, form=form, passkey=button)
        if confirmed:
            flash(
                messages.reauthenticated(settings().reauth_within.total_seconds() / 60), "success"
            )
            return redirect(back)
        form.password.errors.append(messages.WRONG_CURRENT_PASSWORD)
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template(page, form=form, error=None, passkey=button), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        flow.sign_out()
        flash(messages.SIGNED_OUT, "info")
    return redirect(url_for("pages.index"))

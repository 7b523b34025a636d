"""Routes under /account/two-factor: what is on, set up the authenticator app, new recovery
codes, turn it off. Every change needs a recent password (web.reauth)."""

from __future__ import annotations

from urllib.parse import quote

import segno
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from .. import messages
from ..identity import accounts, signin, totp
from ..web import passkeys, reauth
from ..web import two_factor as mine
from .forms import ConfirmForm, DisableForm

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")

# The secret and the recovery codes are on these pages: no cache or history may keep them.
NO_STORE = {"Cache-Control": "no-store"}


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every page here is about the signed-in user."""


@bp.after_request
def _no_store(response):
    response.headers.update(NO_STORE)
    return response


def qr_code(uri: str) -> Markup:
    """`uri` as a QR code in inline SVG, made here (no image service, no script)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, light="#fff", svgclass="qr")
    # segno's markup holds only paths and numbers: the URI (and the username in it) is drawn,
    # never written as text.
    labelled = svg.replace("<svg ", '<svg role="img" aria-label="QR code of the key" ', 1)
    return Markup(labelled)  # noqa: S704


# Why a change does not fit the account's two-factor state, as the page says it.
REFUSALS = {
    accounts.AlreadyOn: messages.TWO_FACTOR_ALREADY_ON,
    accounts.NotOn: messages.TWO_FACTOR_NOT_ON,
    accounts.NoSetup: messages.TOTP_SETUP_GONE,
}


def _refused(e: accounts.TwoFactorState):
    flash(REFUSALS[type(e)], "error")
    return redirect(url_for("two_factor.index"))


def _index(disable_form=None, status: int = 200):
    form = disable_form or DisableForm(formdata=None)
    keys = passkeys.mine()
    # The page's script comes back here after adding one: say which, if it is the user's.
    added = next((p for p in keys if p.id == request.args.get("added")), None)
    page = render_template(
        "two_factor/index.html",
        status=mine.status(),
        form=form,
        passkeys=keys,
        added=messages.passkey_added(added.name) if added else None,
        passkey_button=passkeys.button("register", url_for("two_factor.index")),
    )
    return page, status


@bp.get("")
def index():
    return _index()


def _setup_page(setup: mine.Setup, form=None, status: int = 200):
    page = render_template(
        "two_factor/setup.html",
        setup=setup,
        qr=qr_code(setup.uri),
        form=form or ConfirmForm(formdata=None),
    )
    return page, status


def _codes_page(codes: list[str], heading: str):
    text = "\n".join(codes) + "\n"
    download = "data:text/plain;charset=utf-8," + quote(text)
    return render_template("two_factor/codes.html", codes=codes, download=download, heading=heading)


@bp.post("/totp")
@reauth.required("two_factor.index")
def start_totp():
    try:
        mine.start_setup()
    except accounts.TwoFactorState as e:
        return _refused(e)
    # To a page a reload may show again; the secret stays the same until it is confirmed.
    return redirect(url_for("two_factor.totp_setup"), 303)


@bp.get("/totp")
@reauth.required()
def totp_setup():
    setup = mine.pending_setup()
    return _setup_page(setup) if setup else _refused(accounts.NoSetup())


@bp.post("/totp/confirm")
@reauth.required("two_factor.totp_setup")
def confirm_totp():
    form = ConfirmForm()
    setup = mine.pending_setup()
    if not form.validate_on_submit():
        return _setup_page(setup, form, 400) if setup else redirect(url_for("two_factor.index"))
    try:
        codes = mine.confirm(form.code.data)
    except accounts.TwoFactorState as e:
        return _refused(e)
    if codes is None:
        form.code.errors.append(messages.WRONG_CODE)
        return _setup_page(setup, form, 400)
    return _codes_page(codes, messages.TWO_FACTOR_ON)


@bp.post("/recovery-codes")
@reauth.required("two_factor.index")
def new_recovery_codes():
    try:
        codes = mine.new_codes()
    except accounts.TwoFactorState as e:
        return _refused(e)
    return _codes_page(codes, messages.NEW_RECOVERY_CODES)


@bp.post("/disable")
@reauth.required("two_factor.index")
def disable():
    form = DisableForm()
    if not mine.status().totp:
        return _refused(accounts.NotOn())
    if not form.validate_on_submit():
        return _index(form, 400)
    answer = form.code.data
    method = mine.method_of(answer)
    checked = mine.check(method, answer)
    if isinstance(checked, signin.Throttled):
        form.code.errors.append(messages.too_many_attempts(checked.retry_after))
        page, _ = _index(form)
        return page, 429, {"Retry-After": str(checked.retry_after)}
    if not checked:
        wrong = messages.WRONG_CODE if method == totp.NAME else messages.WRONG_RECOVERY_CODE
        form.code.errors.append(wrong)
        return _index(form, 400)
    try:
        ended = mine.disable()
    except accounts.TwoFactorState as e:  # turned off by another request meanwhile
        return _refused(e)
    flash(messages.two_factor_off(ended), "success")
    return redirect(url_for("two_factor.index"))

"""Routes under /account/two-factor/passkeys: rename and remove a passkey with plain forms (no
script needed). Adding one is a WebAuthn ceremony: the page's script does it through the API."""

from __future__ import annotations

from flask import flash, redirect, url_for

from .. import messages
from ..identity import accounts
from ..web import passkeys as mine
from ..web import reauth
from .forms import PasskeyNameForm
from .views import bp


def _back():
    return redirect(url_for("two_factor.index") + "#passkeys")


@bp.post("/passkeys/<passkey_id>/rename")
def rename_passkey(passkey_id: str):
    form = PasskeyNameForm()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.passkey_name.errors)), "error")
        return _back()
    try:
        renamed = mine.rename(passkey_id, form.passkey_name.data)
    except accounts.Invalid as e:
        flash(e.fields["name"], "error")
        return _back()
    if renamed is None:
        flash(messages.PASSKEY_NOT_FOUND, "error")
    else:
        flash(messages.passkey_renamed(renamed.name), "success")
    return _back()


@bp.post("/passkeys/<passkey_id>/remove")
@reauth.required("two_factor.index")
def remove_passkey(passkey_id: str):
    removed = mine.remove(passkey_id)
    if removed is None:
        flash(messages.PASSKEY_NOT_FOUND, "error")
    else:
        flash(messages.passkey_removed(removed.name), "success")
    return _back()

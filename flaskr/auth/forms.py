"""The forms of the auth blueprint; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .. import messages
from ..identity import addresses
from ..web.context import settings
from ..web.fields import (
    TextField,
    code_field,
    current_password_field,
    email_field,
    new_password_field,
    username_field,
)
from ..web.formdata import Form


class RegisterForm(Form):
    username = username_field(_("Username"), messages.CHOOSE_USERNAME, new=True)
    password = new_password_field(
        _("Password"), messages.CHOOSE_PASSWORD, lambda form: form.username.data
    )
    email = email_field(_("E-mail address"))


class LoginForm(Form):
    # "webauthn": the browser also offers passkeys in the field's autofill (static/passkeys.js).
    username = username_field(
        _("Username"), messages.ENTER_USERNAME, new=False, autocomplete="username webauthn"
    )
    password = current_password_field(_("Password"), messages.ENTER_PASSWORD)
    remember = BooleanField(_("Keep me signed in on this device"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings().sign_in_with_email:
            # The same field takes a confirmed address (SIGN_IN_WITH_EMAIL).
            self.username.label.text = _("Username or e-mail address")
            self.username.longest = lambda policy: max(policy.username_max, addresses.LONGEST)


class TwoFactorForm(Form):
    method = TextField(_("Method"), validators=[DataRequired()])
    code = code_field(_("Code from your authenticator app"), messages.ENTER_CODE)


class RecoveryCodeForm(Form):
    recovery_code = code_field(_("Recovery code"), messages.ENTER_RECOVERY_CODE, recovery=True)


class ReauthenticateForm(Form):
    password = current_password_field(_("Password"), messages.ENTER_PASSWORD)


class ForgotForm(Form):
    email = email_field(_("E-mail address"), messages.ENTER_EMAIL)


class ResetForm(Form):
    """A new password through a reset link; `account_name` is set to the link's account."""

    account_name = ""
    new_password = new_password_field(
        _("New password"), messages.CHOOSE_NEW_PASSWORD, lambda form: form.account_name
    )
    # Only for an account with a second factor: the factor's name and its answer.
    method = TextField(_("Method"))
    code = TextField(_("Code"), render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConfirmForm(Form):
    """The button that confirms an address (its CSRF token is the only field)."""

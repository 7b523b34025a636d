"""The forms of the auth blueprint; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from .. import messages
from ..web.fields import (
    TextField,
    code_field,
    current_password_field,
    new_password_field,
    username_field,
)


class RegisterForm(FlaskForm):
    username = username_field("Username", messages.CHOOSE_USERNAME, new=True)
    password = new_password_field(
        "Password", messages.CHOOSE_PASSWORD, lambda form: form.username.data
    )


class LoginForm(FlaskForm):
    # "webauthn": the browser also offers passkeys in the field's autofill (static/passkeys.js).
    username = username_field(
        "Username", messages.ENTER_USERNAME, new=False, autocomplete="username webauthn"
    )
    password = current_password_field("Password", messages.ENTER_PASSWORD)
    remember = BooleanField("Keep me signed in on this device")


class TwoFactorForm(FlaskForm):
    method = TextField("Method", validators=[DataRequired()])
    code = code_field("Code from your authenticator app", messages.ENTER_CODE)


class RecoveryCodeForm(FlaskForm):
    recovery_code = code_field("Recovery code", messages.ENTER_RECOVERY_CODE, recovery=True)


class ReauthenticateForm(FlaskForm):
    password = current_password_field("Password", messages.ENTER_PASSWORD)

"""The forms of the auth blueprint; CSRF comes with Flask-WTF."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms.validators import DataRequired

from .. import messages
from ..web.fields import (
    TextField,
    current_password_field,
    new_password_field,
    username_field,
)
from ..web.formdata import Form


class RegisterForm(Form):
    username = username_field("Username", messages.CHOOSE_USERNAME, new=True)
    password = new_password_field(
        "Password", messages.CHOOSE_PASSWORD, lambda form: form.username.data
    )


class LoginForm(Form):
    username = username_field("Username", messages.ENTER_USERNAME, new=False)
    password = current_password_field("Password", messages.ENTER_PASSWORD)
    remember = BooleanField("Keep me signed in on this device")


class SecondStepForm(Form):
    method = TextField("Method", validators=[DataRequired()])
    code = TextField(
        "Code",
        validators=[DataRequired(messages.ENTER_CODE)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )

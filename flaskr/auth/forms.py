"""The forms of the auth blueprint; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import users
from ..forms import SecretField, TextField, current_password_field


def _username_rules(form, field):
    reason = users.username_problem(field.data or "")
    if reason:
        raise ValidationError(reason)


def _password_rules(form, field):
    reason = users.password_problem(field.data or "", form.username.data or "")
    if reason:
        raise ValidationError(reason)


class RegisterForm(FlaskForm):
    username = TextField(
        "Username",
        validators=[DataRequired("Choose a username."), _username_rules],
        render_kw={"autocomplete": "username", "maxlength": users.USERNAME_MAX},
    )
    password = SecretField(
        "Password",
        validators=[DataRequired("Choose a password."), _password_rules],
        render_kw={"autocomplete": "new-password", "maxlength": users.PASSWORD_MAX},
    )


class LoginForm(FlaskForm):
    username = TextField(
        "Username",
        validators=[
            DataRequired("Enter your username."),
            Length(max=users.PASSWORD_MAX, message="That username is too long."),
        ],
        render_kw={"autocomplete": "username", "maxlength": users.USERNAME_MAX},
    )
    password = current_password_field("Password", "Enter your password.")
    remember = BooleanField("Keep me signed in on this device")

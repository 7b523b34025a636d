"""The forms of the auth blueprint; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from .. import users


class _OneText:
    """A field that must arrive once, as text: not repeated, not a file, not a JSON object."""

    problem: str | None = None

    def process_formdata(self, valuelist):
        # Flask-WTF also reads JSON bodies and file uploads: only plain strings go further.
        self.problem = None
        if len(valuelist) > 1:
            self.problem = "Send each field once."
        elif valuelist and not isinstance(valuelist[0], str):
            self.problem = "This field must be text."
        else:
            super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)


class TextField(_OneText, StringField):
    pass


class SecretField(_OneText, PasswordField):
    pass


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
    password = SecretField(
        "Password",
        validators=[
            DataRequired("Enter your password."),
            Length(max=users.PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": users.PASSWORD_MAX},
    )
    remember = BooleanField("Keep me signed in on this device")

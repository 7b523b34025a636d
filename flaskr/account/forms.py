"""The forms of the account page; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length, ValidationError

from .. import users
from ..forms import SecretField


def _new_password_rules(form, field):
    reason = users.password_problem(field.data or "", current_user.username)
    if reason:
        raise ValidationError(reason)


class ChangePasswordForm(FlaskForm):
    current_password = SecretField(
        "Current password",
        validators=[
            DataRequired("Enter your current password."),
            Length(max=users.PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": users.PASSWORD_MAX},
    )
    new_password = SecretField(
        "New password",
        validators=[DataRequired("Choose a new password."), _new_password_rules],
        render_kw={"autocomplete": "new-password", "maxlength": users.PASSWORD_MAX},
    )


class DeleteAccountForm(FlaskForm):
    password = SecretField(
        "Your password",
        validators=[
            DataRequired("Enter your password to confirm."),
            Length(max=users.PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": users.PASSWORD_MAX},
    )

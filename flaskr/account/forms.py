"""The forms of the account page; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, ValidationError

from .. import users
from ..forms import SecretField, current_password_field


def _new_password_rules(form, field):
    reason = users.password_problem(field.data or "", current_user.username)
    if reason:
        raise ValidationError(reason)


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field("Current password", "Enter your current password.")
    new_password = SecretField(
        "New password",
        validators=[DataRequired("Choose a new password."), _new_password_rules],
        render_kw={"autocomplete": "new-password", "maxlength": users.PASSWORD_MAX},
    )


class DeleteAccountForm(FlaskForm):
    password = current_password_field("Your password", "Enter your password to confirm.")

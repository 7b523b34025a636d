"""The forms of the account page; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_login import current_user

from .. import messages
from ..web.fields import current_password_field, email_field, new_password_field
from ..web.formdata import Form


class ChangePasswordForm(Form):
    current_password = current_password_field("Current password", messages.ENTER_CURRENT_PASSWORD)
    new_password = new_password_field(
        "New password", messages.CHOOSE_NEW_PASSWORD, lambda form: current_user.username
    )


class DeleteAccountForm(Form):
    password = current_password_field("Your password", messages.CONFIRM_WITH_PASSWORD)


class EmailForm(Form):
    """A new address (empty: remove it, unless EMAIL_REQUIRED), confirmed by the password."""

    email = email_field("New e-mail address")
    current_password = current_password_field("Current password", messages.ENTER_CURRENT_PASSWORD)

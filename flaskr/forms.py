"""Form fields shared by every HTML form: each value arrives once, as text."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, StopValidation

from . import users


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


def current_password_field(label: str, required: str) -> SecretField:
    """A field for the password the user has now: sign-in and every confirmation."""
    return SecretField(
        label,
        validators=[
            DataRequired(required),
            Length(max=users.PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": users.PASSWORD_MAX},
    )

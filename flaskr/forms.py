"""Form fields shared by every HTML form: each value arrives once, as text."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import StopValidation


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

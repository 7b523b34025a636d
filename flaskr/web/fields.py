"""Form fields shared by every HTML form: each value arrives once, as text; and the
validators that ask the policy (identity.policy) of the current app."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import PasswordInput

from .. import messages
from ..identity import addresses
from .context import settings


class _OneText:
    """A field that must arrive once, as text: not repeated, not a file, not a JSON object.

    `longest(policy)`, when given, is the field's maxlength, read from the policy as it renders.
    """

    problem: str | None = None

    def __init__(self, *args, longest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.longest = longest

    def __call__(self, **kwargs):
        if self.longest is not None:
            kwargs.setdefault("maxlength", self.longest(settings().policy))
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist):
        # Flask-WTF also reads JSON bodies and file uploads: only plain strings go further.
        self.problem = None
        if len(valuelist) > 1:
            self.problem = messages.FIELD_REPEATED
        elif valuelist and not isinstance(valuelist[0], str):
            self.problem = messages.FIELD_NOT_TEXT
        else:
            super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)


class TextField(_OneText, StringField):
    pass


class SecretField(_OneText, PasswordField):
    def keep_value(self) -> None:
        """Send the typed value back in the page (a password field hides it by default): only
        where it is known to be right, so retyping it would be pointless."""
        self.widget = PasswordInput(hide_value=False)


def username_rules(form, field) -> None:
    """The policy's username rules, for a form that chooses a username: every reason shown."""
    field.errors.extend(settings().policy.username_problems(field.data or ""))


def password_rules(username_of):
    """The policy's password rules for a new password, every reason shown; `username_of(form)`
    names its user."""

    def check(form, field) -> None:
        username = username_of(form) or ""
        field.errors.extend(settings().policy.password_problems(field.data or "", username))

    return check


def new_password_field(label: str, required: str, username_of) -> SecretField:
    """A field for a password being chosen: registration and every change."""
    return SecretField(
        label,
        validators=[DataRequired(required), password_rules(username_of)],
        render_kw={"autocomplete": "new-password"},
        longest=_password_max,
    )


def current_password_field(label: str, required: str) -> SecretField:
    """A field for the password the user has now: sign-in and every confirmation."""
    return SecretField(
        label,
        validators=[
            DataRequired(required),
            _not_longer_than_a_password(messages.PASSWORD_TOO_LONG),
        ],
        render_kw={"autocomplete": "current-password"},
        longest=_password_max,
    )


def _not_longer_than_a_password(message: str):
    """The longest a password may be, from the policy (also caps what a sign-in hashes)."""

    def check(form, field) -> None:
        Length(max=settings().policy.password_max, message=message)(form, field)

    return check


def username_field(
    label: str, required: str, *, new: bool, autocomplete: str = "username"
) -> TextField:
    """A username: chosen under the policy (`new`), or typed to sign in."""
    rule = username_rules if new else _not_longer_than_a_password(messages.USERNAME_TOO_LONG)
    return TextField(
        label,
        validators=[DataRequired(required), rule],
        # Phones would capitalise and "correct" a name that must be typed as it is.
        render_kw={"autocomplete": autocomplete, "autocapitalize": "none", "spellcheck": "false"},
        longest=lambda policy: policy.username_max,
    )


def _password_max(policy) -> int:
    return policy.password_max


# Longer than any code or recovery code with its spaces, shorter than anything worth hashing.
CODE_MAX = 64


def code_field(label: str, required: str, *, recovery: bool = False) -> TextField:
    """A one-time code: six digits from an authenticator app, or a `recovery` code."""
    if recovery:
        kinds = {"autocomplete": "off", "autocapitalize": "none"}
    else:
        kinds = {"autocomplete": "one-time-code", "inputmode": "numeric"}
    return TextField(
        label,
        validators=[DataRequired(required), Length(max=CODE_MAX, message=required)],
        render_kw={**kinds, "maxlength": CODE_MAX, "spellcheck": "false"},
    )


def _address(form, field) -> None:
    """A valid e-mail address (syntax only), kept without surrounding spaces."""
    try:
        field.data = addresses.checked(field.data or "")
    except addresses.BadAddress as e:
        raise ValidationError(str(e)) from None


def _required_by_settings(form, field) -> None:
    """Required when EMAIL_REQUIRED is on; otherwise an empty field ends validation."""
    if settings().email_required:
        DataRequired(messages.EMAIL_REQUIRED)(form, field)
    else:
        Optional()(form, field)


def email_field(label: str, required: str | None = None) -> TextField:
    """An e-mail address: required with the message `required`, else as EMAIL_REQUIRED says."""
    first = DataRequired(required) if required else _required_by_settings
    return TextField(
        label,
        validators=[first, _address],
        render_kw={"autocomplete": "email", "type": "email"},
        longest=lambda policy: addresses.LONGEST,
    )

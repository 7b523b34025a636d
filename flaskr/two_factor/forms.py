"""The forms of the two-factor pages; CSRF comes with Flask-WTF."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from wtforms.validators import DataRequired

from .. import messages
from ..web.fields import TextField, code_field
from ..web.formdata import Form


class ConfirmForm(Form):
    code = code_field(_("Code from your authenticator app"), messages.ENTER_CODE)


class DisableForm(Form):
    # One field for both: six digits are a code, anything else is tried as a recovery code.
    code = code_field(
        _("Code from your authenticator app, or a recovery code"),
        messages.ENTER_CODE_OR_RECOVERY_CODE,
        recovery=True,
    )


class PasskeyNameForm(Form):
    # The page renders one input per passkey itself (each with its own id); this reads it.
    passkey_name = TextField(_("Name"), validators=[DataRequired(messages.PASSKEY_NAME_REQUIRED)])

"""The admin area's forms: searches read from the query string, and the typed confirmation
of a deletion (CSRF comes with Flask-WTF; every other action's form has only its token)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .. import messages
from ..identity import users
from ..web.fields import TextField

SEARCH_MAX = 254  # the longest address there is; names are shorter
TIME_FORMAT = "%Y-%m-%dT%H:%M"


class SearchForm(Form):
    """The users list's search box: the start of a username or of a confirmed address."""

    q = TextField(
        "Starts with",
        validators=[Optional(), Length(max=SEARCH_MAX)],
        render_kw={"type": "search"},
    )
    by = SelectField(
        "Search in",
        choices=[
            SelectChoice(users.BY_NAME, "usernames"),
            SelectChoice(users.BY_ADDRESS, "confirmed addresses"),
        ],
        default=users.BY_NAME,
    )


def _a_time(form, field) -> None:
    if field.data:
        try:
            field.parsed = datetime.strptime(field.data, TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise ValidationError(messages.ADMIN_BAD_TIME) from None
    else:
        field.parsed = None


class TrailForm(Form):
    """The audit trail's filters: each one set narrows the list."""

    event = SelectField("Event", default="")
    user = TextField("Username", validators=[Optional(), Length(max=SEARCH_MAX)])
    ip = TextField("Client address", validators=[Optional(), Length(max=64)])
    since = TextField("From (UTC)", validators=[_a_time], render_kw={"type": "datetime-local"})
    until = TextField("Until (UTC)", validators=[_a_time], render_kw={"type": "datetime-local"})

    def __init__(self, formdata, events: dict[str, str]) -> None:
        super().__init__(formdata)
        self.event.choices = [
            SelectChoice("", "Any event"),
            *(SelectChoice(name, text) for name, text in events.items()),
        ]


class DeleteUserForm(FlaskForm):
    """Deleting an account: its username typed again, exactly."""

    confirm = TextField(
        "Type the username to confirm",
        validators=[DataRequired(messages.ADMIN_TYPE_USERNAME)],
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, username: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.username = username

    def validate_confirm(self, field) -> None:
        if field.data != self.username:
            raise ValidationError(messages.ADMIN_TYPE_USERNAME)

"""What every template may use: how times and the recovery codes left read, the problems of
the forms on the page, and the policy (devices and events are described in web/own.py, once
for the pages and the API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from flask import Flask
from flask_login import current_user
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup
from wtforms import Form

from .. import messages
from .context import settings

# Fields a person cannot see, so the error summary names their problem without a link.
_UNSEEN = ("HiddenField", "CSRFTokenField")


def when(value: datetime | None) -> str:
    """A stored time as people read it, in UTC: "4 March 2026, 05:06 UTC"."""
    if not value:
        return ""
    return f"{value.day} {value:%B %Y, %H:%M} UTC"


def iso(value: datetime) -> str:
    """A stored time for machines: "2026-03-04T05:06:07Z" (MongoDB's times are UTC)."""
    at = value.astimezone(UTC) if value.tzinfo else value
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@pass_eval_context
def when_element(eval_ctx, value: datetime | None) -> str:
    """`when` in a `<time>` element in HTML, which flaskr.js shows in the reader's time zone
    and language; plain text elsewhere (a text e-mail)."""
    if not value or not eval_ctx.autoescape:
        return when(value)
    return Markup('<time datetime="{}">{}</time>').format(iso(value), when(value))


class Problem(NamedTuple):
    """One error of a form field: the field's id (None for one nobody sees) and the message."""

    field_id: str | None
    message: str


@pass_context
def form_problems(context) -> list[Problem]:
    """Every field error of the forms the page was given, in their order: the error summary."""
    problems = []
    for value in context.get_all().values():
        if not isinstance(value, Form):
            continue
        for field in value:
            seen = field.type not in _UNSEEN and (field.render_kw or {}).get("type") != "hidden"
            for message in field.errors:
                problems.append(Problem(field.id if seen else None, message))
    return problems


def init_app(app: Flask) -> None:
    app.add_template_filter(when_element, "when")
    app.add_template_filter(messages.few_recovery_codes, "few_recovery_codes")
    app.add_template_global(form_problems, "form_problems")
    # Macros imported without context (`_field.html`) still know who is signed in.
    app.add_template_global(current_user, "current_user")
    # `policy` in every template: the hints say what the forms enforce.
    app.context_processor(lambda: {"policy": settings().policy})

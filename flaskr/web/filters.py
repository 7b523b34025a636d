"""What every template may use: how times and the recovery codes left read, and the policy
(devices and events are described in web/own.py, once for the pages and the API)."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from .. import messages
from .context import settings


def when(value: datetime | None) -> str:
    """A stored time as people read it, in UTC."""
    return value.strftime("%d %B %Y, %H:%M UTC") if value else ""


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(messages.few_recovery_codes, "few_recovery_codes")
    # `policy` in every template: the hints say what the forms enforce.
    app.context_processor(lambda: {"policy": settings().policy})

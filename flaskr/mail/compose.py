"""Writing a message: its text and HTML from templates/mail/, its links from PUBLIC_URL."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from flask import current_app, render_template

from . import outbox


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a message: PUBLIC_URL and the route's path, never a request's
    Host header (which a client chooses), and the same inside a request or a CLI command."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"] + path


def send(
    template: str, *, to: str, subject: str, kind: str, user_id: ObjectId | None, **context: Any
) -> ObjectId:
    """Queue `templates/mail/<template>.txt` and `.html`, rendered with `context`, to `to`."""
    context["subject"] = subject
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", **context)
    return outbox.enqueue(to=to, subject=subject, text=text, html=html, kind=kind, user_id=user_id)

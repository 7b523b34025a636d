"""E-mail: an outbox in MongoDB that requests write to, and a sender that delivers it."""

from __future__ import annotations

from flask import Flask

from .cli import mail_cli


def init_app(app: Flask) -> None:
    """Add `flask mail send` and `flask mail status`."""
    app.cli.add_command(mail_cli)

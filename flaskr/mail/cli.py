"""`flask mail send` (the long-running sender) and `flask mail status`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from ..config import ConfigError
from ..db import UNAVAILABLE, describe
from . import outbox, sender

mail_cli = AppGroup("mail", help="Deliver the outbox over SMTP and show its state.")


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (systemd, `kill`) and SIGINT (Ctrl-C) end the loop after the current message."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in handlers:
        signal.signal(sig, lambda signum, frame: stop.set())
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _relay() -> sender.Relay:
    try:
        return sender.Relay.from_config(current_app.config)
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


@mail_cli.command("send")
@click.option("--once", is_flag=True, help="Deliver every message that is due, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.05),
    default=2.0,
    show_default=True,
    help="Seconds between looks at an empty outbox.",
)
def send_command(once: bool, interval: float) -> None:
    """Deliver the outbox until stopped (SIGTERM or Ctrl-C); run one or more per deployment."""
    relay = _relay()
    stop = threading.Event()
    if not once:
        click.echo(f"Sending mail through {relay.host}:{relay.port} (Ctrl-C stops).", err=True)
    with _stopped_by_signals(stop):
        try:
            tally = sender.run(relay, stop, interval, once=once)
        except UNAVAILABLE as e:
            raise click.ClickException(f"database unreachable: {describe(e)}") from None
    click.echo(
        f"Sent {tally[sender.SENT]}, deferred {tally[sender.RETRY]}, failed {tally[sender.FAILED]}."
    )


@mail_cli.command("status")
def status_command() -> None:
    """Count queued, sent and failed messages; show the latest failures and their reasons."""
    try:
        found = outbox.counts()
        failures = outbox.recent_failures() if found[outbox.FAILED] else []
    except UNAVAILABLE as e:
        raise click.ClickException(f"database unreachable: {describe(e)}") from None
    click.echo(
        f"queued: {found[outbox.QUEUED]} ({found['sending']} being sent, "
        f"{found['retrying']} waiting to retry)"
    )
    click.echo(f"sent: {found[outbox.SENT]}")
    click.echo(f"failed: {found[outbox.FAILED]}")
    for message in failures:
        when = message["failed_at"].strftime("%Y-%m-%d %H:%M")
        click.echo(f"  {when} {message['kind']} to {message['to']}: {message['last_error']}")

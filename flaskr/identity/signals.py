"""What happened to an account, announced with blinker (as Flask and Flask-Login do).

Each audit event is also a signal of the same name, sent by `accounts` and `signin` after the
change is stored: `signals.event("password_changed").connect(handler)`. A handler receives the
user's id as sender and `actor=` (who did it), `username=` and the event's own details; it
runs in the request or command that made the change, so it must be quick (queue, don't send).
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()


def event(name: str) -> NamedSignal:
    """The signal sent after each event called `name` (one of audit's event names)."""
    return _signals.signal(name)


def send(name: str, user_id: Any, **details: Any) -> None:
    event(name).send(user_id, **details)

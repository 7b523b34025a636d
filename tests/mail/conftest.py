"""A real SMTP server on loopback (aiosmtpd) for the mail tests, and the sender's settings.

`smtp_server` answers like a relay: it keeps every message it accepts in `.messages` (parsed
`email.message.EmailMessage`) and its envelope in `.envelopes`. Set `.answer` to "451 ..." or
"550 ..." to answer DATA that way, `.rcpt_answer` likewise for RCPT TO, `.delay` (seconds) to
answer DATA slowly, or `.stall = True` to never answer it (the event `.stalled` is set when a
message arrives). `.stop()` and `.start(**aiosmtpd_options)` take it down and bring it back
on the same port. `.config(**overrides)` is the app settings that send through it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def _reserve_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.server.rcpt_answer:
            return self.server.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.server.stall:
            self.server.stalled.set()
            await asyncio.Event().wait()  # until the server stops; the client hears nothing
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.answer:
            return self.server.answer
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.messages.append(message)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1:`port`, in a thread of the test process."""

    def __init__(self, **options: Any) -> None:
        self.port = 0
        self.options = options
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.answer: str | None = None
        self.rcpt_answer: str | None = None
        self.stall = False
        self.delay = 0.0
        self.stalled = threading.Event()
        self._controller: Controller | None = None

    def start(self, **options: Any) -> SmtpServer:
        """Listen (again, on the same port once it has one); `options` go to aiosmtpd's SMTP."""
        self.options.update(options)
        # aiosmtpd cannot take port 0: reserve a free port and retry if someone takes it first.
        for attempt in range(5):
            port = self.port or _reserve_port()
            controller = Controller(_Handler(self), hostname="127.0.0.1", port=port, **self.options)
            try:
                controller.start()
            except OSError:
                if attempt == 4:
                    raise
                continue
            self.port, self._controller = port, controller
            return self
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self, **overrides: Any) -> dict[str, Any]:
        """The app settings that send through this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port, "MAIL_TIMEOUT": 5, **overrides}


@pytest.fixture
def smtp_server():
    """A running SMTP server on loopback, stopped at the end of the test."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app whose sender delivers to `smtp_server`."""
    return make_app(**smtp_server.config(MAIL_FROM="flaskr <noreply@example.test>"))

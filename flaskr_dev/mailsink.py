"""`make run`'s SMTP sink: accepts every message on 127.0.0.1, keeps it in a Maildir, and
prints one line per message (recipient, subject, first link), so a reset can be clicked
through from the terminal (`python -m flaskr_dev.mailsink --port 8025 --maildir DIR`)."""

from __future__ import annotations

import argparse
import email
import email.policy
import errno
import mailbox
import os
import re
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from .embedded import HOST, port_open

DEFAULT_SINK_PORT = 8025
LINK = re.compile(r"https?://[^\s<>\"']+")


def first_link(message: EmailMessage) -> str | None:
    """The first http(s) address in the message's text (or, without text, its HTML)."""
    body = message.get_body(("plain", "html"))
    found = LINK.search(body.get_content()) if body is not None else None
    return found.group(0) if found else None


def summary(message: EmailMessage) -> str:
    """`mail to RECIPIENT: SUBJECT LINK`, one line whatever the headers hold."""
    line = f"mail to {message['To']}: {message['Subject']}"
    link = first_link(message)
    line = f"{line} {link}" if link else line
    return " ".join(line.split())


class Sink:
    """An aiosmtpd handler that stores each message it accepts and prints its summary."""

    def __init__(self, maildir: Path) -> None:
        for sub in ("tmp", "new", "cur"):  # also when the folder exists but is empty
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(maildir)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.box.add(envelope.original_content)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        print(summary(message), flush=True)
        return "250 OK: kept in the development mail sink"


def start(port: int, maildir: Path) -> subprocess.Popen:
    """Start the sink as its own process; return once it listens on 127.0.0.1:`port`."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flaskr_dev.mailsink",
            "--port",
            str(port),
            "--maildir",
            str(maildir),
        ],
        stdin=subprocess.DEVNULL,
        # Its own process group, like the database: it outlives the sender that delivers to it.
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not port_open(port):
        if proc.poll() is not None:
            raise RuntimeError(f"the mail sink exited with code {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the mail sink did not listen on port {port} within 30 s")
        time.sleep(0.05)
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flaskr_dev.mailsink")
    parser.add_argument("--port", type=int, default=DEFAULT_SINK_PORT)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)
    # Blocked before the server's thread starts, so only sigwait below receives them.
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    controller = Controller(Sink(args.maildir), hostname=HOST, port=args.port)
    try:
        # aiosmtpd notices a port in use only after its 5-second start timeout.
        if port_open(args.port):
            raise OSError(f"[Errno {errno.EADDRINUSE}] {os.strerror(errno.EADDRINUSE)}")
        controller.start()
    except OSError as e:
        print(f"mail sink: cannot listen on {HOST}:{args.port}: {e}", file=sys.stderr)
        return 1
    signal.sigwait(stops)
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make run` delivers the outbox to its mail sink: a line in the terminal, a Maildir file."""

from __future__ import annotations

import mailbox
import time

import pytest

from flaskr import create_app
from flaskr.config import embedded_uri
from flaskr.mail import outbox
from flaskr_dev import embedded
from tests.dev.test_embedded import WAIT, Launcher, assert_nothing_left, launchers  # noqa: F401

pytestmark = pytest.mark.realdb


def test_a_queued_message_reaches_the_terminal_and_the_maildir(
    tmp_path,
    launchers,  # noqa: F811
    monkeypatch,
):
    instance = tmp_path / "instance"
    db_port = embedded.free_port()
    launcher = Launcher(tmp_path, embedded.free_port(), db_port, instance, "mail")
    launchers.append(launcher)
    launcher.wait_until_serving()
    assert f"Starting a mail sink on 127.0.0.1:{launcher.sink_port}" in launcher.output()
    # What a reset request does: put the message in the outbox and return.
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(instance))
    app = create_app({"MONGO_URI": embedded_uri(instance, db_port), "TESTING": True})
    with app.app_context():
        outbox.enqueue(
            to="alice@example.test",
            subject="Reset your password",
            text="Open http://127.0.0.1:5000/auth/reset/t0k3n to choose a new password.",
            kind="reset",
        )
    app.extensions["flaskr.mongo"].close()
    line = "mail to alice@example.test: Reset your password http://127.0.0.1:5000/auth/reset/t0k3n"
    deadline = time.monotonic() + WAIT
    while line not in launcher.output():
        assert time.monotonic() < deadline, launcher.output()
        time.sleep(0.2)
    (kept,) = mailbox.Maildir(instance / "mail")
    assert kept["To"] == "alice@example.test"
    launcher.interrupt()
    assert launcher.finish() == 0
    assert "Sent 1, deferred 0, failed 0." in launcher.output()
    assert not embedded.port_open(launcher.sink_port)

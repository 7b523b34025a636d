"""`flask mail status` and the commands' answers when the database is away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flaskr.mail import outbox
from flaskr_dev.embedded import free_port

from .test_delivery import drain, queue


@pytest.mark.db
def test_status_counts_queued_sent_and_failed_with_the_latest_reasons(mail_app, smtp_server, clock):
    for n in range(4):
        queue(mail_app, to=f"user{n}@example.test")
    drain(mail_app)
    for n in range(3):
        queue(mail_app, to=f"bad{n}@example.test")
    smtp_server.rcpt_answer = "550 5.1.1 No such user"
    clock.advance(minutes=1)
    drain(mail_app)
    smtp_server.rcpt_answer = "451 4.3.0 Try later"
    queue(mail_app, to="later@example.test")
    drain(mail_app)
    queue(mail_app, to="waiting@example.test")
    with mail_app.app_context():
        outbox.claim(timedelta(minutes=5))  # a sender is on it
    queue(mail_app, to="new@example.test")
    result = mail_app.test_cli_runner().invoke(args=["mail", "status"])
    assert result.exit_code == 0
    when = clock.at.strftime("%Y-%m-%d %H:%M")
    assert result.output.splitlines() == [
        "queued: 3 (1 being sent, 1 waiting to retry)",
        "sent: 4",
        "failed: 3",
        *[f"  {when} reset to bad{n}@example.test: 550 5.1.1 No such user" for n in (2, 1, 0)],
    ]


def test_status_of_an_empty_outbox(mail_app):
    result = mail_app.test_cli_runner().invoke(args=["mail", "status"])
    assert result.output == "queued: 0 (0 being sent, 0 waiting to retry)\nsent: 0\nfailed: 0\n"


@pytest.mark.parametrize("command", [["status"], ["send", "--once"]])
def test_an_unreachable_database_is_one_line(make_app, command):
    app = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/flaskr", MONGO_TIMEOUT_MS=200)
    result = app.test_cli_runner().invoke(args=["mail", *command])
    assert result.exit_code == 1
    assert result.output.startswith("Error: database unreachable: 127.0.0.1:")
    assert result.output.count("\n") == 1

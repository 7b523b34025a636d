"""`make run`'s mail sink: a real process that keeps each message and prints one line for it."""

from __future__ import annotations

import mailbox
import signal
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage

import pytest

from flaskr.mail import outbox
from flaskr_dev import mailsink
from flaskr_dev.embedded import free_port, port_open

SINK = [sys.executable, "-m", "flaskr_dev.mailsink"]


def message(text: str | None = None, html: str | None = None, **headers) -> EmailMessage:
    mail = EmailMessage()
    mail["To"] = headers.get("to", "alice@example.test")
    mail["Subject"] = headers.get("subject", "Reset your password")
    if text is not None:
        mail.set_content(text)
    if html is not None and text is not None:
        mail.add_alternative(html, subtype="html")
    elif html is not None:
        mail.set_content(html, subtype="html")
    return mail


@pytest.mark.parametrize(
    ("mail", "line"),
    [
        (
            message("Reset it here:\nhttps://127.0.0.1:5000/auth/reset/t0k3n\nor ignore this."),
            "mail to alice@example.test: Reset your password https://127.0.0.1:5000/auth/reset/t0k3n",
        ),
        (
            message(
                "Open http://localhost:5000/confirm/abc.", "<a href='https://x.test/other'>x</a>"
            ),
            "mail to alice@example.test: Reset your password http://localhost:5000/confirm/abc.",
        ),
        (
            message(html='<p><a href="https://x.test/reset/a">Reset</a></p>'),
            "mail to alice@example.test: Reset your password https://x.test/reset/a",
        ),
        (
            message("Your password was changed.", subject="Password changed"),
            "mail to alice@example.test: Password changed",
        ),
    ],
)
def test_summary_names_the_recipient_subject_and_first_link(mail, line):
    assert mailsink.summary(mail) == line


@pytest.fixture
def sink(tmp_path):
    """Starts the sink (in the test itself, so capfd sees what it prints); killed at the end."""
    started = []

    def start() -> int:
        port = free_port()
        started.append(mailsink.start(port, tmp_path / "mail"))
        return port

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_the_sink_keeps_each_message_in_a_maildir_and_prints_a_line(capfd, sink, tmp_path):
    with smtplib.SMTP("127.0.0.1", sink(), timeout=10) as smtp:
        smtp.send_message(message("https://app.test/reset/1"), from_addr="noreply@example.test")
        smtp.send_message(message("https://app.test/reset/2"), from_addr="noreply@example.test")
    stored = [m["To"] for m in mailbox.Maildir(tmp_path / "mail")]
    assert stored == ["alice@example.test"] * 2
    assert capfd.readouterr().out.splitlines() == [
        "mail to alice@example.test: Reset your password https://app.test/reset/1",
        "mail to alice@example.test: Reset your password https://app.test/reset/2",
    ]


def test_the_sender_delivers_to_the_sink(capfd, sink, tmp_path, make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink())
    with app.app_context():
        outbox.enqueue(
            to="bob@example.test", subject="Confirm", text="https://a.test/c/x", kind="confirm"
        )
    assert app.test_cli_runner().invoke(args=["mail", "send", "--once"]).exit_code == 0
    assert capfd.readouterr().out == "mail to bob@example.test: Confirm https://a.test/c/x\n"
    (kept,) = mailbox.Maildir(tmp_path / "mail")
    assert kept["Subject"] == "Confirm"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_sink_stops_cleanly(tmp_path, sig):
    port = free_port()
    proc = subprocess.Popen(
        [*SINK, "--port", str(port), "--maildir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        mailsink_ready(proc, port)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (proc.returncode, out, err) == (0, "", "")
    assert not port_open(port)


def test_a_port_in_use_is_one_line(sink, tmp_path):
    port = sink()
    args = ["--port", str(port), "--maildir", str(tmp_path)]
    done = subprocess.run([*SINK, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert done.stderr.startswith(f"mail sink: cannot listen on 127.0.0.1:{port}:")
    assert done.stderr.count("\n") == 1


def mailsink_ready(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 30
    while not port_open(port):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)

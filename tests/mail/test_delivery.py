"""`flask mail send` against a real SMTP server on loopback: what arrives, and what waits."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from flaskr.db import get_db
from flaskr.mail import outbox, sender


def queue(app, **fields):
    base = {"to": "alice@example.test", "subject": "Reset your password", "kind": "reset"}
    with app.app_context():
        return outbox.enqueue(**{"text": "https://app.test/reset/abc", **base, **fields})


def drain(app):
    """One `flask mail send --once`: every due message, then exit."""
    result = app.test_cli_runner().invoke(args=["mail", "send", "--once"])
    assert result.exit_code == 0, result.output
    return result.stdout


def stored(app, message_id):
    with app.app_context():
        return get_db()[outbox.COLLECTION].find_one({"_id": message_id})


@pytest.mark.db
def test_a_message_arrives_with_text_html_message_id_and_date(mail_app, smtp_server, clock):
    message_id = queue(mail_app, html="<p><a href='https://app.test/reset/abc'>Reset</a></p>")
    assert drain(mail_app) == "Sent 1, deferred 0, failed 0.\n"
    (mail,) = smtp_server.messages
    assert smtp_server.envelopes == [("noreply@example.test", ["alice@example.test"])]
    assert mail["From"] == "flaskr <noreply@example.test>"
    assert mail["To"] == "alice@example.test"
    assert mail["Subject"] == "Reset your password"
    assert mail["Message-ID"] == f"<{message_id}.reset@example.test>"
    assert parsedate_to_datetime(mail["Date"]) == clock.at.replace(microsecond=0)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content().strip() == "https://app.test/reset/abc"
    assert "href='https://app.test/reset/abc'" in mail.get_body(("html",)).get_content()
    doc = stored(mail_app, message_id)
    assert (doc["status"], doc["attempts"], doc["sent_at"]) == (outbox.SENT, 1, clock.at)


def test_a_text_only_message_is_plain_text(mail_app, smtp_server):
    queue(mail_app, text="Your address was changed.", kind="notice")
    drain(mail_app)
    (mail,) = smtp_server.messages
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().strip() == "Your address was changed."


@pytest.mark.db
def test_smtp_down_then_up_delivers_after(mail_app, smtp_server, clock):
    message_id = queue(mail_app)
    smtp_server.stop()
    assert drain(mail_app) == "Sent 0, deferred 1, failed 0.\n"
    doc = stored(mail_app, message_id)
    assert doc["status"] == outbox.QUEUED
    assert doc["last_error"].startswith(f"cannot reach 127.0.0.1:{smtp_server.port}:")
    assert doc["next_attempt_at"] == clock.at + sender.RETRY_FIRST
    smtp_server.start()
    # Not due yet: the backoff holds it even though the server is back.
    assert drain(mail_app) == "Sent 0, deferred 0, failed 0.\n"
    clock.advance(seconds=sender.RETRY_FIRST.total_seconds())
    assert drain(mail_app) == "Sent 1, deferred 0, failed 0.\n"
    assert len(smtp_server.messages) == 1
    assert stored(mail_app, message_id)["attempts"] == 2


def refused(app, smtp_server, where: str, answer: str):
    """Queue a message, have the server answer `answer` at RCPT or DATA, run the sender once."""
    message_id = queue(app)
    setattr(smtp_server, where, answer)
    return message_id, drain(app)


@pytest.mark.db
@pytest.mark.parametrize("where", ["answer", "rcpt_answer"])
def test_4xx_then_success(mail_app, smtp_server, clock, where):
    message_id, said = refused(mail_app, smtp_server, where, "451 4.7.1 Greylisted, try again")
    assert said == "Sent 0, deferred 1, failed 0.\n"
    assert stored(mail_app, message_id)["last_error"] == "451 4.7.1 Greylisted, try again"
    setattr(smtp_server, where, None)
    clock.advance(seconds=30)
    assert drain(mail_app) == "Sent 1, deferred 0, failed 0.\n"
    assert len(smtp_server.messages) == 1
    doc = stored(mail_app, message_id)
    assert (doc["status"], doc["attempts"]) == (outbox.SENT, 2)


@pytest.mark.db
@pytest.mark.parametrize("where", ["answer", "rcpt_answer"])
def test_5xx_is_recorded_as_failed_with_the_reason(mail_app, smtp_server, clock, where):
    message_id, said = refused(mail_app, smtp_server, where, "550 5.1.1 No such user here")
    assert said == "Sent 0, deferred 0, failed 1.\n"
    doc = stored(mail_app, message_id)
    assert (doc["status"], doc["attempts"]) == (outbox.FAILED, 1)
    assert doc["last_error"] == "550 5.1.1 No such user here"
    assert doc["failed_at"] == clock.at
    assert doc["text"] is None
    # Never tried again.
    setattr(smtp_server, where, None)
    clock.advance(days=1)
    assert drain(mail_app) == "Sent 0, deferred 0, failed 0.\n"
    assert smtp_server.messages == []


def test_backoff_doubles_up_to_an_hour_then_gives_up_after_max_attempts(
    make_app, smtp_server, clock
):
    app = make_app(**smtp_server.config(MAIL_MAX_ATTEMPTS=9))
    message_id = queue(app)
    smtp_server.answer = "421 4.3.2 Service shutting down"
    waits = []
    for _ in range(8):
        assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
        doc = stored(app, message_id)
        waits.append((doc["next_attempt_at"] - clock.at).total_seconds())
        clock.at = doc["next_attempt_at"]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert drain(app) == "Sent 0, deferred 0, failed 1.\n"
    doc = stored(app, message_id)
    assert (doc["status"], doc["attempts"]) == (outbox.FAILED, 9)
    assert doc["last_error"] == "gave up after 9 attempts: 421 4.3.2 Service shutting down"


def test_a_relay_that_never_answers_is_a_temporary_failure(make_app, smtp_server):
    app = make_app(**smtp_server.config(MAIL_TIMEOUT=0.3))
    message_id = queue(app)
    smtp_server.stall = True
    assert drain(app) == "Sent 0, deferred 1, failed 0.\n"
    assert smtp_server.stalled.is_set()
    assert "timed out" in stored(app, message_id)["last_error"]


def test_a_message_that_cannot_be_composed_fails_without_stopping_the_sender(mail_app, smtp_server):
    bad = queue(mail_app, subject="Hi\r\nBcc: victim@example.test")
    queue(mail_app)
    assert drain(mail_app) == "Sent 1, deferred 0, failed 1.\n"
    doc = stored(mail_app, bad)
    assert doc["status"] == outbox.FAILED
    assert doc["last_error"].startswith("cannot compose the message:")
    assert [m["To"] for m in smtp_server.messages] == ["alice@example.test"]


def test_a_message_outliving_its_attempts_after_a_dead_sender_fails(make_app, smtp_server, clock):
    app = make_app(**smtp_server.config(MAIL_MAX_ATTEMPTS=1))
    message_id = queue(app)
    with app.app_context():
        outbox.claim(timedelta(minutes=5))  # a sender that died during its only attempt
    clock.advance(minutes=5)
    assert drain(app) == "Sent 0, deferred 0, failed 1.\n"
    assert stored(app, message_id)["last_error"] == (
        "gave up after 1 attempt; the sender of the last one stopped"
    )
    assert smtp_server.messages == []

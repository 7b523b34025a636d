"""The long-running sender loop in-process: it keeps going through outages, bugs and lost leases."""

from __future__ import annotations

import threading
import time

import pytest
from pymongo.errors import ServerSelectionTimeoutError

from flaskr.mail import outbox, sender

from .test_delivery import drain, queue, stored


class Loop:
    """`sender.run` in a thread, as `flask mail send` runs it, until `stop()`."""

    def __init__(self, app) -> None:
        self.app, self.halt, self.tally = app, threading.Event(), None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        with self.app.app_context():
            relay = sender.Relay.from_config(self.app.config)
            self.tally = sender.run(relay, self.halt, interval=0.02)

    def stop(self):
        self.halt.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        return self.tally


def wait_for(check, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_it_delivers_what_arrives_while_it_runs_and_stops_when_asked(mail_app, smtp_server):
    loop = Loop(mail_app)
    queue(mail_app, to="first@example.test")
    wait_for(lambda: len(smtp_server.messages) == 1)
    queue(mail_app, to="second@example.test")
    wait_for(lambda: len(smtp_server.messages) == 2)
    assert loop.stop() == {sender.SENT: 2}
    assert [m["To"] for m in smtp_server.messages] == ["first@example.test", "second@example.test"]


def test_a_database_outage_is_logged_once_and_outlived(mail_app, smtp_server, monkeypatch, caplog):
    real_claim, failures = outbox.claim, []

    def claim(lease):
        if len(failures) < 3:
            failures.append(1)
            raise ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused")
        return real_claim(lease)

    monkeypatch.setattr(outbox, "claim", claim)
    queue(mail_app)
    loop = Loop(mail_app)
    wait_for(lambda: smtp_server.messages)
    loop.stop()
    messages = [r.getMessage() for r in caplog.records if r.name == "flaskr.mail"]
    assert messages == [
        "mail: database unreachable: 127.0.0.1:27017: [Errno 111] Connection refused",
        "mail: database reachable again",
        "mail sent",
    ]


def test_an_unexpected_error_is_logged_and_the_loop_goes_on(
    mail_app, smtp_server, monkeypatch, caplog
):
    real_compose, calls = sender.compose, []

    def compose(message, from_):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real_compose(message, from_)

    monkeypatch.setattr(sender, "compose", compose)
    queue(mail_app, to="first@example.test")
    queue(mail_app, to="second@example.test")
    loop = Loop(mail_app)
    wait_for(lambda: smtp_server.messages)
    loop.stop()
    (error,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.getMessage() == "mail: unexpected error"
    assert error.exc_info[1].args == ("a bug",)
    # The message it was on waits for its lease to end; the next one went out.
    assert [m["To"] for m in smtp_server.messages] == ["second@example.test"]


def test_once_lets_an_unexpected_error_through(mail_app, smtp_server, monkeypatch):
    monkeypatch.setattr(sender, "compose", lambda message, sender: 1 / 0)
    queue(mail_app)
    result = mail_app.test_cli_runner().invoke(args=["mail", "send", "--once"])
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.db
def test_a_sender_that_outlived_its_lease_says_the_message_may_go_twice(
    mail_app, smtp_server, clock, monkeypatch, caplog
):
    message_id = queue(mail_app)
    real_deliver, taken = sender.deliver, []

    def slow_deliver(mail, relay):
        real_deliver(mail, relay)
        # Meanwhile the lease ended and another sender claimed the message.
        clock.advance(seconds=relay.lease.total_seconds())
        taken.append(outbox.claim(relay.lease))

    monkeypatch.setattr(sender, "deliver", slow_deliver)
    assert drain(mail_app) == "Sent 1, deferred 0, failed 0.\n"
    assert "mail sent after its lease ended; it may be sent twice" in caplog.messages
    # What the other sender records stands; the late one changed nothing.
    doc = stored(mail_app, message_id)
    assert (doc["status"], doc["claim"]) == (outbox.QUEUED, taken[0]["claim"])


def test_a_recipient_the_relay_cannot_carry_fails(make_app, smtp_server):
    smtp_server.stop()
    smtp_server.start(enable_SMTPUTF8=False)
    app = make_app(**smtp_server.config())
    message_id = queue(app, to="jörg@example.test")
    assert drain(app) == "Sent 0, deferred 0, failed 1.\n"
    assert stored(app, message_id)["last_error"].startswith("the relay cannot carry this message:")

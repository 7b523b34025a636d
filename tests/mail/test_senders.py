"""Real `flask mail send` processes and several senders on one outbox (real server only)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flaskr.db import get_db
from flaskr.mail import outbox, sender
from tests.support.live import ROOT, app_env

from .test_delivery import drain, queue, stored

pytestmark = pytest.mark.realdb
WAIT = 30  # seconds; every step takes well under one on an idle machine


def wait_for(check, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.05)
    return found


class SenderProcess:
    """`flask --app flaskr mail send` in a process of its own, its stderr in a file."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "flaskr", "mail", "send", *args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                stdin=subprocess.DEVNULL,
                text=True,
            )

    def stderr(self) -> str:
        return self.log.read_text()

    def finish(self) -> tuple[int, str]:
        out, _ = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, out

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=WAIT)


@pytest.fixture
def spawn(tmp_path):
    started: list[SenderProcess] = []

    def start(mongo_uri: str, smtp_port: int, *args: str, **env: str) -> SenderProcess:
        environment = app_env(
            mongo_uri,
            tmp_path / "instance",
            FLASKR_MAIL_SERVER="127.0.0.1",
            FLASKR_MAIL_PORT=str(smtp_port),
            **env,
        )
        started.append(SenderProcess(environment, tmp_path / f"sender{len(started)}.log", *args))
        return started[-1]

    yield start
    for process in started:
        process.kill()


def test_two_senders_on_one_outbox_deliver_each_message_once(backend, make_app, smtp_server, clock):
    apps = [make_app(**smtp_server.config()) for _ in range(2)]  # a client each, like processes
    ids = {queue(apps[0], to=f"user{i}@example.test") for i in range(60)}
    smtp_server.delay = 0.005  # a relay that takes its time: the two senders overlap
    start, tallies = threading.Barrier(2), []

    def send(app):
        with app.app_context():
            relay = sender.Relay.from_config(app.config)
            start.wait()
            tallies.append(sender.run(relay, threading.Event(), 0.05, once=True))

    threads = [threading.Thread(target=send, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    sent = [tally[sender.SENT] for tally in tallies]
    assert sum(sent) == 60 and min(sent) > 0, tallies  # both worked, none twice
    message_ids = [m["Message-ID"] for m in smtp_server.messages]
    assert sorted(message_ids) == sorted(f"<{i}.reset@localhost>" for i in ids)
    with apps[0].app_context():
        docs = list(get_db()[outbox.COLLECTION].find())
    assert {(d["status"], d["attempts"]) for d in docs} == {(outbox.SENT, 1)}


def test_a_sender_killed_mid_send_delays_the_message_until_its_lease_ends(
    backend, mongo_uri, make_app, smtp_server, clock, spawn
):
    app = make_app(**smtp_server.config())
    message_id = queue(app)
    smtp_server.stall = True  # the relay has the message and has not answered yet
    process = spawn(mongo_uri, smtp_server.port)
    assert smtp_server.stalled.wait(WAIT), process.stderr()
    process.kill()  # kill -9 mid-send
    claimed = stored(app, message_id)
    assert (claimed["status"], claimed["attempts"]) == (outbox.QUEUED, 1)
    smtp_server.stall = False
    # While the dead sender's lease holds, no other sender touches the message.
    assert drain(app) == "Sent 0, deferred 0, failed 0.\n"
    clock.at = claimed["lease_until"]
    assert drain(app) == "Sent 1, deferred 0, failed 0.\n"
    (mail,) = smtp_server.messages
    assert mail["Message-ID"] == f"<{message_id}.reset@localhost>"
    done = stored(app, message_id)
    assert (done["status"], done["attempts"]) == (outbox.SENT, 2)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_running_sender_delivers_and_stops_cleanly(
    backend, mongo_uri, make_app, smtp_server, spawn, sig
):
    process = spawn(mongo_uri, smtp_server.port, "--interval", "0.1")
    wait_for(lambda: "Sending mail through" in process.stderr(), "start line")
    app = make_app(**smtp_server.config())
    queue(app)
    wait_for(lambda: smtp_server.messages, "delivery")
    process.proc.send_signal(sig)
    code, out = process.finish()
    assert (code, out) == (0, "Sent 1, deferred 0, failed 0.\n")
    lines = process.stderr().splitlines()
    assert lines[0] == f"Sending mail through 127.0.0.1:{smtp_server.port} (Ctrl-C stops)."
    assert " INFO flaskr.mail: mail sent " in lines[1]
    assert "https://app.test/reset/abc" not in process.stderr()  # a body never reaches the log
    assert len(lines) == 2


def test_a_sender_started_before_the_database_waits_for_it(
    backend, dedicated_server, make_app, smtp_server, spawn
):
    process = spawn(
        dedicated_server.uri, smtp_server.port, "--interval", "0.2", FLASKR_MONGO_TIMEOUT_MS="300"
    )
    wait_for(lambda: "database unreachable" in process.stderr(), "outage line")
    dedicated_server.start()
    app = make_app(**smtp_server.config(MONGO_URI=dedicated_server.uri))
    queue(app)
    wait_for(lambda: smtp_server.messages, "delivery")
    process.proc.terminate()
    assert process.finish() == (0, "Sent 1, deferred 0, failed 0.\n")
    log = process.stderr()
    assert log.count("database unreachable") == 1
    assert log.count("database reachable again") == 1

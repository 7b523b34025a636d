"""One database deadline per request: a hung database answers 503 within MONGO_TIMEOUT_MS
(issue 18, point 6). The time itself is measured in benchmarks/hung_db.py."""

from __future__ import annotations

import signal
import threading

import pytest
from flask import Blueprint
from pymongo import monitoring
from pymongo.errors import ExecutionTimeout, WTimeoutError

from tests.support.web import AuthActions, page_text


class MaxTimes(monitoring.CommandListener):
    """The maxTimeMS that pymongo's client-side timeout puts on each command."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def started(self, event):
        if event.command_name not in {"hello", "ismaster", "isMaster", "endSessions"}:
            self.seen.append((event.command_name, event.command.get("maxTimeMS")))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.mark.realdb
def test_every_command_of_a_request_shares_the_request_deadline(backend, make_app, monkeypatch):
    from flaskr import db as flaskr_db

    listener = MaxTimes()
    make_client = flaskr_db.make_client
    monkeypatch.setattr(
        flaskr_db,
        "make_client",
        lambda uri, timeout_ms=3000, listeners=None: make_client(
            uri, timeout_ms, [*(listeners or []), listener]
        ),
    )
    app = make_app(MONGO_TIMEOUT_MS=1500)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    listener.seen.clear()
    assert auth.login().status_code == 302
    reads = [(name, ms) for name, ms in listener.seen if name in {"find", "update", "insert"}]
    assert reads, listener.seen
    # Each command carries the time left of one budget, never more than the budget.
    assert all(ms is not None and 0 < ms <= 1500 for _, ms in reads), reads


@pytest.mark.realdb
def test_a_hung_database_answers_503_not_a_hang(backend, make_app, dedicated_server):
    dedicated_server.start()
    app = make_app(MONGO_URI=dedicated_server.uri, MONGO_TIMEOUT_MS=1000)
    client = app.test_client()
    auth = AuthActions(client)
    auth.register()
    assert auth.login().status_code == 302
    answers: list = []
    dedicated_server.proc.send_signal(signal.SIGSTOP)
    try:
        worker = threading.Thread(target=lambda: answers.append(client.get("/user")))
        worker.start()
        # Before the budget, every socket read had its own 10 s timeout (and there were
        # several): this join would give up with no answer.
        worker.join(8)
    finally:
        dedicated_server.proc.send_signal(signal.SIGCONT)
    worker.join(30)
    (response,) = answers
    assert response.status_code == 503
    assert "temporarily unavailable" in page_text(response)


def _raising(error: Exception):
    bp = Blueprint("raiser", __name__)

    @bp.get("/raise")
    def raise_it():
        raise error

    return bp


@pytest.mark.parametrize(
    "error",
    [
        ExecutionTimeout("operation exceeded time limit", 50),
        WTimeoutError("waiting for replication timed out", 64),
    ],
    ids=["execution-timeout", "write-concern-timeout"],
)
def test_a_budget_that_runs_out_mid_command_is_503(make_app, error):
    app = make_app()
    app.register_blueprint(_raising(error))
    response = app.test_client().get("/raise")
    assert response.status_code == 503
    assert "temporarily unavailable" in page_text(response)

"""The database stops during traffic and comes back: 503s while down, recovery, no lost account."""

from __future__ import annotations

import json
import threading
import time

import pymongo
import pytest

from tests.support.database import DedicatedServer
from tests.support.live import App, Browser, until
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb

MAX_REQUESTS = 600  # the traffic is bounded whatever happens


class Traffic(threading.Thread):
    """Registers new users and views a signed-in page in a loop, recording every answer."""

    def __init__(self, app: App, viewer: Browser) -> None:
        super().__init__(daemon=True)
        self.app = app
        self.viewer = viewer
        self.stop = threading.Event()
        self.results: list[tuple[str, object]] = []  # (kind, Response or exception)
        self.acknowledged: list[str] = []
        self.lock = threading.Lock()

    def run(self) -> None:
        for i in range(MAX_REQUESTS // 4):
            if self.stop.is_set():
                return
            name = f"traffic{i}"
            self._record(
                "register", lambda n=name: Browser().register(self.app.base, n, PASSWORD), name
            )
            self._record("user", lambda: self.viewer.get(self.app.base, "/user"))
            self._record("api", lambda: self.viewer.get(self.app.base, "/api/v1/me"))
            self._record("readyz", lambda: Browser().get(self.app.base, "/readyz"))
            time.sleep(0.05)

    def _record(self, kind: str, call, name: str | None = None) -> None:
        try:
            response = call()
        except OSError as e:  # a refused or reset connection would be a failure too
            response = e
        with self.lock:
            self.results.append((kind, response))
            if kind == "register" and getattr(response, "status", None) == 302:
                self.acknowledged.append(name)

    def count(self, test) -> int:
        with self.lock:
            return sum(1 for kind, r in self.results if test(kind, r))


def test_database_outage_during_traffic(dedicated_server: DedicatedServer, serve):
    server = dedicated_server.start()
    app = serve(server.uri, WEB_CONCURRENCY="2")
    # Accounts acknowledged before the outage, and a signed-in viewer.
    before = [f"before{i}" for i in range(5)]
    for name in before:
        assert Browser().register(app.base, name, PASSWORD).status == 302
    viewer = Browser()
    assert viewer.login(app.base, "before0", PASSWORD).status == 302
    booted = app.log_text().count("Booting worker")

    traffic = Traffic(app, viewer)
    traffic.start()
    try:
        until(
            lambda: len(traffic.acknowledged) >= 3,
            "registrations before the outage",
            seconds=60,
            every=0.05,
        )
        stop_began = time.monotonic()
        server.stop()
        down_since = time.monotonic()
        n_down = len(traffic.results)
        until(
            lambda: traffic.count(lambda k, r: k == "register" and r.started > down_since) >= 2,
            "registrations while the database is down",
            seconds=60,
            every=0.05,
        )
        restart_began = time.monotonic()
        server.start()
        until(
            lambda: (
                traffic.count(
                    lambda k, r: k == "register" and r.started > restart_began and r.status == 302
                )
                >= 3
            ),
            "registrations after the database is back",
            seconds=60,
            every=0.05,
        )
    finally:
        traffic.stop.set()
        traffic.join(60)
    assert not traffic.is_alive()

    results = traffic.results
    responses = [(k, r) for k, r in results if not isinstance(r, Exception)]
    assert len(responses) == len(results), "a connection to gunicorn failed"
    # Never a 500: the answers are the normal ones or 503.
    assert {r.status for _, r in responses} <= {200, 302, 503}
    # 503 only while the database was away.
    for _, r in responses:
        if r.status == 503:
            assert r.ended > stop_began
    # While it was down (requests wholly inside the window), everything that needs it is 503.
    during = [(k, r) for k, r in responses if r.started > down_since and r.ended < restart_began]
    assert len(during) >= 3
    assert all(r.status == 503 for _, r in during)
    for kind, r in during:
        if kind == "readyz":
            assert json.loads(r.text)["status"] == "unavailable"
        elif kind == "api":
            assert json.loads(r.text)["error"]["code"] == "service_unavailable"
        else:
            assert "temporarily unavailable" in r.text
            assert "Traceback" not in r.text
    assert n_down < len(results)

    # Recovered without restarting gunicorn or its workers; the viewer is still signed in.
    assert app.proc.poll() is None
    log = app.log_text()
    assert log.count("Booting worker") == booted
    assert viewer.get(app.base, "/user").status == 200
    assert json.loads(viewer.get(app.base, "/api/v1/me").text)["user"]["username"] == "before0"
    assert Browser().get(app.base, "/readyz").status == 200

    # Logged once per outage per worker, not once per request; recovery logged too.
    failures = sum(1 for _, r in responses if r.status == 503)
    unreachable = log.count("database unreachable")
    assert 1 <= unreachable <= 2 < failures
    assert log.count("database reachable again") >= 1
    assert "Traceback" not in log

    # Every acknowledged account is still there.
    acknowledged = before + traffic.acknowledged
    with pymongo.MongoClient(server.uri, serverSelectionTimeoutMS=5000) as client:
        users = client.get_default_database().users
        stored = {d["username"] for d in users.find({}, {"username": 1})}
    assert set(acknowledged) <= stored
    assert len(acknowledged) == len(set(acknowledged))
    assert Browser().login(app.base, acknowledged[-1], PASSWORD).status == 302

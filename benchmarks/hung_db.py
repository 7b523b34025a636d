"""How long requests take to answer 503 when the database hangs (SIGSTOP), not when it is down.

A stopped process keeps its port open: connections succeed, no answer ever comes. Usage:
`python -m benchmarks.hung_db [--out FILE]` (about a minute). It starts SecantusDB and gunicorn
(2 workers x 4 threads) on loopback, signs one user in, stops the database with SIGSTOP, and
times each kind of request until its answer, a few one at a time and eight at once; then
SIGCONT and a check that the app recovers.
"""

from __future__ import annotations

import signal
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .harness import SEED_PASSWORD as PASSWORD
from .harness import Database, machine, report_main, seed_users
from .loadgen import Client
from .server import Gunicorn

ROUNDS = 4
KINDS = ("signed-in GET /user", "sign-in POST /auth/login", "GET /readyz")


def _one(port: int, kind: str, cookies: dict[str, str], user: str) -> tuple[int, float]:
    client = Client(port, 60)
    token = ""
    if kind.startswith("sign-in"):
        token = client.csrf_token()  # a signed-out page: no database needed
    else:
        client.cookies = dict(cookies)
    started = time.monotonic()
    if kind.startswith("signed-in"):
        status, _, _ = client.request("GET", "/user")
    elif kind.startswith("sign-in"):
        body = {"username": user, "password": PASSWORD, "csrf_token": token}
        status, _, _ = client.request("POST", "/auth/login", body)
    else:
        status, _, _ = client.request("GET", "/readyz")
    took = time.monotonic() - started
    client.close()
    return status, took


def _parallel(port: int, kind: str, cookies: dict[str, str], user: str, n: int) -> list:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def run() -> None:
        result = _one(port, kind, cookies, user)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _summary(results: list[tuple[int, float]]) -> dict[str, Any]:
    times = [t for _, t in results]
    return {
        "statuses": sorted({s for s, _ in results}),
        "median_s": round(statistics.median(times), 2),
        "max_s": round(max(times), 2),
        "n": len(times),
    }


def run(workdir: Path) -> dict[str, Any]:
    database = Database(workdir)
    database.start()
    server = Gunicorn(database.uri, workdir, workers=2, threads=4, rounds=ROUNDS)
    report: dict[str, Any] = {"machine": machine(), "mongo_timeout_ms": 3000, "kinds": {}}
    try:
        (user,) = seed_users(database.db, 1, ROUNDS)
        server.start()
        from .harness import signed_in_cookies

        cookies = signed_in_cookies(server.port, user, PASSWORD)
        for kind in KINDS:
            _one(server.port, kind, cookies, user)  # warm: pooled connections exist
        assert database.proc is not None
        database.proc.send_signal(signal.SIGSTOP)
        try:
            for kind in KINDS:
                sequential = [_one(server.port, kind, cookies, user) for _ in range(3)]
                report["kinds"][kind] = {
                    "one_at_a_time": _summary(sequential),
                    "eight_at_once": _summary(_parallel(server.port, kind, cookies, user, 8)),
                }
                print(kind, report["kinds"][kind], file=sys.stderr)
        finally:
            database.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 30
        while _one(server.port, KINDS[0], cookies, user)[0] != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not recover within 30 s of SIGCONT")
            time.sleep(0.5)
        report["recovered"] = True
    finally:
        server.stop()
        database.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    return report_main(argv, __doc__, "flaskr-hung-db-", lambda tmp, args: run(tmp))


if __name__ == "__main__":
    sys.exit(main())

"""Can one client burn the CPU with successful sign-ins? Everyone else's sign-in time under
such a flood, and how many sessions the flood makes.

Usage: `python -m benchmarks.signin_flood [--seconds 20] [--out FILE]`. SecantusDB and gunicorn
(2 workers x 4 threads, bcrypt rounds 12, TRUSTED_PROXIES=1 so each client can say its own
address in X-Forwarded-For, as nginx would) on loopback. First a bystander signs in alone
(baseline); then 16 threads from one address sign in with the right password as fast as they
can while the bystander, from another address, keeps signing in once a second.
"""

from __future__ import annotations

import http.client
import statistics
import sys
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .harness import HOST, Database, machine, report_main, seed_users
from .harness import SEED_PASSWORD as PASSWORD
from .loadgen import CSRF_RE
from .server import Gunicorn

ROUNDS = 12
FLOODER, BYSTANDER = "203.0.113.10", "198.51.100.20"


def sign_in(port: int, user: str, ip: str) -> tuple[int, float]:
    """One browser's sign-in from `ip`: the form, then the post; (status, seconds of the post)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", "/auth/login", headers={"X-Forwarded-For": ip})
        page = conn.getresponse()
        body = page.read()
        jar = SimpleCookie()
        for line in page.headers.get_all("Set-Cookie") or []:
            jar.load(line)
        match = CSRF_RE.search(body)
        if not match:
            return page.status, 0.0
        form = {"username": user, "password": PASSWORD, "csrf_token": match.group(1).decode()}
        headers = {
            "X-Forwarded-For": ip,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={m.value}" for k, m in jar.items()),
        }
        started = time.monotonic()
        conn.request("POST", "/auth/login", body=urlencode(form), headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        conn.close()


def _stats(times: list[float]) -> dict[str, Any]:
    if not times:
        return {"n": 0}
    ordered = sorted(times)
    return {
        "n": len(times),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max_s": round(ordered[-1], 3),
    }


def run(workdir: Path, seconds: float) -> dict[str, Any]:
    database = Database(workdir)
    database.start()
    server = Gunicorn(
        database.uri,
        workdir,
        workers=2,
        threads=4,
        rounds=ROUNDS,
        # The shipped limits (the other load runs lift the per-address ones).
        extra_env={
            "FLASKR_TRUSTED_PROXIES": "1",
            "FLASKR_SIGN_IN_RATE_LIMIT": "60 per minute",
            "FLASKR_SESSION_MAX_PER_USER": "50",
        },
    )
    report: dict[str, Any] = {"machine": machine(), "rounds": ROUNDS, "seconds": seconds}
    try:
        flooder, bystander = seed_users(database.db, 2, ROUNDS)
        server.start()
        baseline = [sign_in(server.port, bystander, BYSTANDER)[1] for _ in range(10)]
        report["bystander_alone"] = _stats(baseline)
        stop = time.monotonic() + seconds
        statuses: Counter[int] = Counter()
        lock = threading.Lock()

        def flood() -> None:
            while time.monotonic() < stop:
                status, _ = sign_in(server.port, flooder, FLOODER)
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=flood) for _ in range(16)]
        for t in threads:
            t.start()
        during: list[float] = []
        bystander_statuses: Counter[int] = Counter()
        while time.monotonic() < stop:
            status, took = sign_in(server.port, bystander, BYSTANDER)
            bystander_statuses[status] += 1
            if status == 302:
                during.append(took)
            time.sleep(1)
        for t in threads:
            t.join(120)
        report["bystander_during_flood"] = _stats(during)
        report["bystander_statuses"] = dict(bystander_statuses)
        report["flood_statuses"] = dict(statuses)
        flood_user = database.db.users.find_one({"username": flooder})
        report["flood_sessions_left"] = database.db.sessions.count_documents(
            {"user_id": flood_user["_id"]}
        )
    finally:
        server.stop()
        database.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    return report_main(
        argv, __doc__, "flaskr-signin-flood-", lambda tmp, args: run(tmp, args.seconds), seconds=20
    )


if __name__ == "__main__":
    sys.exit(main())

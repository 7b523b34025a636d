"""The load generator: a separate process of virtual users on keep-alive connections.

`python -m benchmarks.loadgen` reads a JSON spec on stdin and prints a JSON result on stdout.
Each virtual user is a thread with its own `http.client` connection and cookie jar; their
number is fixed (`concurrency`) and the run is bounded by time (`seconds`) and by count
(`max_requests`), so it always stops by itself. It only ever talks to 127.0.0.1.

Modes:
- `signin`: sign in again and again as random seeded users (a fresh cookie jar each time:
  GET the form for its CSRF token, then POST); measures the POST.
- `get`: GET `paths` in turn with the given cookie; measures each request.
- `mixed`: the soak's traffic: sign-ins, wrong passwords, page views, API calls,
  registrations, sign-outs; records every request with its time, kind and status.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

HOST = "127.0.0.1"
CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The soak's mix: relative weights of what virtual users do.
MIX = {"signin": 2, "wrong_password": 1, "page": 4, "api": 2, "register": 1}


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar, like one browser tab."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        """Send one request (reconnecting once if the server closed the connection)."""
        headers = dict(FORM) if body is not None else {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = urlencode(body) if body is not None else None
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            self._store(response.headers.get_all("Set-Cookie") or [])
            if response.will_close:
                self.close()
            return response.status, dict(response.headers.items()), payload
        raise AssertionError("unreachable")

    def _store(self, lines: list[str]) -> None:
        for line in lines:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def csrf_token(self, path: str = "/auth/login") -> str:
        status, _, page = self.request("GET", path)
        match = CSRF_RE.search(page)
        if not match:
            raise RuntimeError(f"GET {path} answered {status} without a CSRF token")
        return match.group(1).decode()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


@dataclass
class Tally:
    """What the virtual users saw, shared between threads under one lock."""

    max_requests: int
    deadline: float
    keep_events: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    in_window: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    events: list[list] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    def claim(self) -> bool:
        """Take one unit of work; False once the time or count bound is reached."""
        with self.lock:
            if self.started >= self.max_requests or time.perf_counter() >= self.deadline:
                return False
            self.started += 1
            return True

    def record(self, kind: str, status: int | str, start: float, wall: float) -> None:
        """Count one answer; only answers below 400 are timed (failures are fast, not good)."""
        end = time.perf_counter()
        with self.lock:
            key = f"{kind} {status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if end <= self.deadline:
                self.in_window[key] = self.in_window.get(key, 0) + 1
            if isinstance(status, int) and status < 400:
                self.latencies_ms.append((end - start) * 1000)
            if self.keep_events:
                self.events.append([round(wall, 3), round(wall + end - start, 3), kind, status])

    def error(self, name: str) -> None:
        with self.lock:
            self.errors[name] = self.errors.get(name, 0) + 1


FAILURES = (OSError, http.client.HTTPException, RuntimeError)


def timed(tally: Tally, kind: str, call):
    """Run `call()` (one request), record its status and latency; return its result or None."""
    start, wall = time.perf_counter(), time.time()
    try:
        status, headers, body = call()
    except FAILURES as e:
        tally.error(f"{kind} {type(e).__name__}")
        tally.record(kind, type(e).__name__, start, wall)
        return None
    tally.record(kind, status, start, wall)
    return status, headers, body


def form_token(client: Client, tally: Tally, kind: str, path: str) -> str | None:
    """The CSRF token of the form at `path`; None, with the failure recorded, if none came."""
    start, wall = time.perf_counter(), time.time()
    try:
        status, _, page = client.request("GET", path)
    except FAILURES as e:
        tally.error(f"{kind}-form {type(e).__name__}")
        tally.record(f"{kind}-form", type(e).__name__, start, wall)
        return None
    match = CSRF_RE.search(page)
    if status != 200 or not match:
        # Only failed form fetches are recorded, so the statuses stay about the POSTs.
        tally.record(f"{kind}-form", status, start, wall)
        return None
    return match.group(1).decode()


def sign_in(client: Client, tally: Tally, kind: str, user: str, password: str):
    """GET the form, POST the credentials; record the POST under `kind`."""
    client.cookies.clear()
    token = form_token(client, tally, kind, "/auth/login")
    if token is None:
        return None
    body = {"username": user, "password": password, "csrf_token": token}
    return timed(tally, kind, lambda: client.request("POST", "/auth/login", body))


def run_signin(spec: dict, client: Client, tally: Tally) -> None:
    rng = random.Random()
    while tally.claim():
        user = spec["users"][rng.randrange(len(spec["users"]))]
        sign_in(client, tally, "signin", user, spec["password"])


def run_get(spec: dict, client: Client, tally: Tally) -> None:
    client.cookies.update(spec.get("cookies", {}))
    i = 0
    while tally.claim():
        path = spec["paths"][i % len(spec["paths"])]
        i += 1
        timed(tally, path, lambda p=path: client.request("GET", p))


def run_mixed(spec: dict, client: Client, tally: Tally) -> None:
    rng = random.Random()
    mix = spec.get("mix", MIX)
    kinds = [k for k in mix if mix[k] > 0]
    weights = [mix[k] for k in kinds]
    signed_in = False
    while tally.claim():
        kind = rng.choices(kinds, weights)[0]
        user = spec["users"][rng.randrange(len(spec["users"]))]
        if kind in ("page", "api") and not signed_in:
            kind = "signin"
        if kind == "signin":
            got = sign_in(client, tally, kind, user, spec["password"])
            signed_in = bool(got and got[0] == 302)
        elif kind == "wrong_password":
            # Other accounts than the ones signing in: failures may lock an account out.
            target = rng.choice(spec.get("targets") or spec["users"])
            sign_in(client, tally, kind, target, spec["password"] + "-wrong")
            signed_in = False
        elif kind == "page":
            path = rng.choice(("/user", "/"))
            timed(tally, "page", lambda p=path: client.request("GET", p))
        elif kind == "api":
            timed(tally, "api", lambda: client.request("GET", spec["api_path"]))
        else:
            register(client, tally)
            signed_in = False


def register(client: Client, tally: Tally) -> None:
    """Register a new account; remember its name when the server said it was created."""
    client.cookies.clear()
    name = f"soak-{uuid.uuid4().hex[:16]}"
    token = form_token(client, tally, "register", "/auth/register")
    if token is None:
        return
    body = {"username": name, "password": "soak-" + uuid.uuid4().hex, "csrf_token": token}
    got = timed(tally, "register", lambda: client.request("POST", "/auth/register", body))
    with tally.lock:
        if got and got[0] == 302:
            tally.registered.append(name)
        elif got is None or got[0] >= 500:
            # No answer, or the database went away mid-write: the account may or may not
            # exist (a write can commit while its acknowledgement is lost).
            tally.unanswered.append(name)


MODES = {"signin": run_signin, "get": run_get, "mixed": run_mixed}


def percentile(values: list[float], q: float) -> float | None:
    """The `q` quantile (0..1) by nearest rank, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def run(spec: dict) -> dict[str, Any]:
    """Run the virtual users of `spec` to their bounds; return what they saw."""
    if spec.get("host", HOST) != HOST:
        raise SystemExit("the load generator only targets 127.0.0.1")
    seconds = float(spec["seconds"])
    timeout = float(spec.get("timeout", 30))
    t0 = time.perf_counter()
    tally = Tally(
        max_requests=int(spec.get("max_requests", 1_000_000)),
        deadline=t0 + seconds,
        keep_events=bool(spec.get("events")),
    )
    worker = MODES[spec["mode"]]
    clients = [Client(int(spec["port"]), timeout) for _ in range(spec["concurrency"])]
    threads = [threading.Thread(target=worker, args=(spec, c, tally), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Bounded: a request can outlive the deadline by at most its timeout.
        thread.join(max(0.0, t0 + seconds + timeout + 5 - time.perf_counter()))
    elapsed = time.perf_counter() - t0
    for c in clients:
        c.close()
    with tally.lock:
        lat = list(tally.latencies_ms)
        result = {
            "mode": spec["mode"],
            "concurrency": spec["concurrency"],
            "seconds": seconds,
            "elapsed_s": round(elapsed, 3),
            "requests": sum(tally.statuses.values()),
            "statuses": dict(tally.statuses),
            "in_window": dict(tally.in_window),
            "errors": dict(tally.errors),
            "p50_ms": percentile(lat, 0.50),
            "p95_ms": percentile(lat, 0.95),
            "p99_ms": percentile(lat, 0.99),
            "registered": list(tally.registered),
            "unanswered_registrations": list(tally.unanswered),
            "unfinished_threads": sum(t.is_alive() for t in threads),
        }
        if spec.get("events"):
            result["events"] = list(tally.events)
    return result


def main() -> int:
    spec = json.load(sys.stdin)
    json.dump(run(spec), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
    keep_events: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    events: list[list] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)

    def claim(self) -> bool:
        """Take one unit of work; False once the count bound is reached."""
        with self.lock:
            if self.started >= self.max_requests:
                return False
            self.started += 1
            return True

    def record(self, kind: str, status: int | str, ms: float, t: float) -> None:
        """Count one answer; only answers below 400 are timed (failures are fast, not good)."""
        with self.lock:
            key = f"{kind} {status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if isinstance(status, int) and status < 400:
                self.latencies_ms.append(ms)
            if self.keep_events:
                self.events.append([round(t, 3), kind, status])


def timed(tally: Tally, t0: float, kind: str, call):
    """Run `call()` (one request), record its status and latency; return its result or None."""
    start = time.perf_counter()
    try:
        status, headers, body = call()
    except (OSError, http.client.HTTPException, RuntimeError) as e:
        with tally.lock:
            name = f"{kind} {type(e).__name__}"
            tally.errors[name] = tally.errors.get(name, 0) + 1
        tally.record(kind, type(e).__name__, 0.0, start - t0)
        return None
    tally.record(kind, status, (time.perf_counter() - start) * 1000, start - t0)
    return status, headers, body


def form_token(client: Client, tally: Tally, t0: float, kind: str, path: str) -> str | None:
    """The CSRF token of the form at `path`; None (and an error counted) if it failed."""
    try:
        return client.csrf_token(path)
    except (OSError, http.client.HTTPException, RuntimeError) as e:
        with tally.lock:
            name = f"{kind} form {type(e).__name__}"
            tally.errors[name] = tally.errors.get(name, 0) + 1
        tally.record(kind, "form-failed", 0.0, time.perf_counter() - t0)
        return None


def sign_in(client: Client, tally: Tally, t0: float, kind: str, user: str, password: str):
    """GET the form, POST the credentials; record the POST under `kind`."""
    client.cookies.clear()
    token = form_token(client, tally, t0, kind, "/auth/login")
    if token is None:
        return None
    body = {"username": user, "password": password, "csrf_token": token}
    return timed(tally, t0, kind, lambda: client.request("POST", "/auth/login", body))


def run_signin(spec: dict, client: Client, tally: Tally, t0: float, deadline: float) -> None:
    rng = random.Random()
    while time.perf_counter() < deadline and tally.claim():
        user = spec["users"][rng.randrange(len(spec["users"]))]
        sign_in(client, tally, t0, "signin", user, spec["password"])


def run_get(spec: dict, client: Client, tally: Tally, t0: float, deadline: float) -> None:
    client.cookies.update(spec.get("cookies", {}))
    i = 0
    while time.perf_counter() < deadline and tally.claim():
        path = spec["paths"][i % len(spec["paths"])]
        i += 1
        timed(tally, t0, path, lambda p=path: client.request("GET", p))


def run_mixed(spec: dict, client: Client, tally: Tally, t0: float, deadline: float) -> None:
    rng = random.Random()
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    signed_in = False
    while time.perf_counter() < deadline and tally.claim():
        kind = rng.choices(kinds, weights)[0]
        user = spec["users"][rng.randrange(len(spec["users"]))]
        if kind in ("page", "api") and not signed_in:
            kind = "signin"
        if kind == "signin":
            got = sign_in(client, tally, t0, kind, user, spec["password"])
            signed_in = bool(got and got[0] == 302)
        elif kind == "wrong_password":
            sign_in(client, tally, t0, kind, user, spec["password"] + "-wrong")
            signed_in = False
        elif kind == "page":
            path = rng.choice(("/user", "/"))
            timed(tally, t0, "page", lambda p=path: client.request("GET", p))
        elif kind == "api":
            timed(tally, t0, "api", lambda: client.request("GET", spec["api_path"]))
        else:
            signed_in = register(client, tally, t0)


def register(client: Client, tally: Tally, t0: float) -> bool:
    """Register a new account; remember its name when the server said it was created."""
    client.cookies.clear()
    name = f"soak-{uuid.uuid4().hex[:16]}"
    token = form_token(client, tally, t0, "register", "/auth/register")
    if token is None:
        return False
    body = {"username": name, "password": "soak-" + uuid.uuid4().hex, "csrf_token": token}
    got = timed(tally, t0, "register", lambda: client.request("POST", "/auth/register", body))
    if got and got[0] == 302:
        with tally.lock:
            tally.registered.append(name)
    return False


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
    tally = Tally(
        max_requests=int(spec.get("max_requests", 1_000_000)),
        keep_events=bool(spec.get("events")),
    )
    worker = MODES[spec["mode"]]
    t0 = time.perf_counter()
    deadline = t0 + float(spec["seconds"])
    clients = [
        Client(int(spec["port"]), float(spec.get("timeout", 30)))
        for _ in range(spec["concurrency"])
    ]
    threads = [
        threading.Thread(target=worker, args=(spec, c, tally, t0, deadline), daemon=True)
        for c in clients
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Bounded: a request can outlive the deadline by at most its timeout.
        thread.join(float(spec["seconds"]) + float(spec.get("timeout", 30)) + 5)
    elapsed = time.perf_counter() - t0
    for c in clients:
        c.close()
    with tally.lock:
        lat = list(tally.latencies_ms)
        result = {
            "mode": spec["mode"],
            "concurrency": spec["concurrency"],
            "elapsed_s": round(elapsed, 3),
            "requests": sum(tally.statuses.values()),
            "measured": len(lat),
            "statuses": dict(tally.statuses),
            "errors": dict(tally.errors),
            "p50_ms": percentile(lat, 0.50),
            "p95_ms": percentile(lat, 0.95),
            "p99_ms": percentile(lat, 0.99),
            "registered": list(tally.registered),
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

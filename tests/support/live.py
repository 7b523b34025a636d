"""Real processes for the process-level tests: gunicorn, a tiny browser, and waiting."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from flaskr_dev import access, embedded

from .web import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "scale-out-test-key-0123456789abcdef0123456789abcdef"


class Embedded:
    """The embedded database as `make run` keeps it: --auth, its users' passwords in instance/."""

    def __init__(self, folder: Path) -> None:
        self.instance = folder / "instance"
        self.storage = self.instance / "db"
        self.port = embedded.free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.instance / "secantusd.log"
        self.proc = access.serve(self.instance, self.port, self.storage, log)

    def stop(self) -> None:
        if self.proc is not None:
            embedded.stop(self.proc)
            self.proc = None

    def env(self, **extra: str) -> dict[str, str]:
        """An app or `flask` process that finds this database as `make run`'s children do."""
        env = app_env("", self.instance, EMBEDDED_DB_PORT=str(self.port))
        del env["MONGO_URI"]
        return {**env, **extra}


@dataclass
class App:
    """gunicorn serving wsgi:app with deploy/gunicorn.conf.py, as `make run` does."""

    port: int
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "--no-control-socket",
            "--bind",
            self.base,
            "wsgi:app",
        ]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()}")
            try:
                if Browser().get(self.base, "/healthz").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def until(check, what: str = "the condition", seconds: float = 30, every: float = 0.2):
    """Poll `check` until it returns a true value, and return it; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(every)


def app_env(mongo_uri: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of an app process: the test's database, a fixed key, fast bcrypt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASKR_")}
    env.update(
        MONGO_URI=mongo_uri,
        FLASKR_SECRET_KEY=SECRET_KEY,
        FLASKR_INSTANCE_PATH=str(instance),
        FLASKR_BCRYPT_ROUNDS="4",
        FLASKR_MONGO_TIMEOUT_MS="2000",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        LOG_FORMAT="text",
        # The outage test registers, and the restore drill signs in, dozens of accounts from
        # one address: the per-address limits are for strangers, not for these writers.
        FLASKR_REGISTER_RATE_LIMIT="10000 per hour",
        FLASKR_SIGN_IN_RATE_LIMIT="10000 per minute",
    )
    env.update(extra)
    return env


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str
    started: float
    ended: float


@dataclass
class Browser:
    """Keeps cookies like a browser (one jar for every port of 127.0.0.1), no redirects."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, base: str, method: str, path: str, data: dict | None = None) -> Response:
        host, port = base.split(":")
        started = time.monotonic()
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for value in resp.headers.get_all("Set-Cookie") or []:
                self._keep(value)
            return Response(resp.status, dict(resp.headers), text, started, time.monotonic())
        finally:
            conn.close()

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel.value == "" or morsel["max-age"] == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, base: str, path: str) -> Response:
        return self.request(base, "GET", path)

    def post(self, base: str, path: str, data: dict) -> Response:
        return self.request(base, "POST", path, data)

    def form(self, base: str, path: str, page: str, **fields: str) -> Response:
        """Read the CSRF token from `page` (or the page it redirects to: a signed-in browser
        asking for the sign-in page gets its user page), then post `fields` to `path` with it."""
        shown = self.get(base, page)
        if shown.status in (302, 303) and shown.headers.get("Location", "").startswith("/"):
            shown = self.get(base, shown.headers["Location"])
        match = CSRF_RE.search(shown.text)
        assert match, f"no CSRF token on {page}"
        return self.post(base, path, {**fields, "csrf_token": match.group(1)})

    def register(self, base: str, username: str, password: str) -> Response:
        return self.form(
            base, "/auth/register", "/auth/register", username=username, password=password
        )

    def login(self, base: str, username: str, password: str) -> Response:
        return self.form(base, "/auth/login", "/auth/login", username=username, password=password)

    def logout(self, base: str) -> Response:
        return self.form(base, "/auth/logout", "/")

    def copy(self) -> Browser:
        return Browser(dict(self.cookies))

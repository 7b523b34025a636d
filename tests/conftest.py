"""Fixtures in the Flask tutorial's style: app, client, runner, auth.

Tests run on mongomock by default. A test marked `db` runs again against a real server
speaking the MongoDB wire protocol; one marked `realdb` runs only there. The real server is
SecantusDB started for the session, or the `mongodb://` server named by MONGO_URI.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pymongo
import pytest
from pymongo import monitoring

from flaskr import create_app
from flaskr_dev import embedded

PASSWORD = "violet-harbour-88-tundra"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    real = pytest.param("real", marks=pytest.mark.realdb)
    if metafunc.definition.get_closest_marker("realdb"):
        metafunc.parametrize("backend", [real], indirect=True)
    elif metafunc.definition.get_closest_marker("db"):
        metafunc.parametrize("backend", ["mongomock", real], indirect=True)


def with_database(uri: str, name: str) -> str:
    """`uri` with its database path replaced by `name` (options kept)."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def real_server(tmp_path_factory):
    """The URI of a real server: MONGO_URI when it names one, else a SecantusDB we start."""
    given = os.environ.get("MONGO_URI", "")
    if given.startswith(("mongodb://", "mongodb+srv://")):
        yield given
        return
    folder = tmp_path_factory.mktemp("secantus")
    port = embedded.free_port()
    proc = embedded.start(port, folder / "data", folder / "server.log")
    yield f"mongodb://127.0.0.1:{port}/"
    embedded.stop(proc)


@pytest.fixture
def clock():
    """The app's one clock, frozen at the current time: move it with `clock.advance(minutes=5)`."""
    from flaskr.identity import clock as app_clock

    frozen = app_clock.Frozen(app_clock.now())
    app_clock.use(frozen)
    yield frozen
    app_clock.use(None)


@pytest.fixture
def backend(request):
    return getattr(request, "param", "mongomock")


@pytest.fixture
def mongo_uri(backend, request):
    """A fresh, empty database for one test, on the chosen backend."""
    name = f"flaskr_test_{uuid.uuid4().hex[:12]}"
    if backend == "mongomock":
        yield f"mongomock://localhost/{name}"
        return
    uri = with_database(request.getfixturevalue("real_server"), name)
    yield uri
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(name)


@pytest.fixture
def instance_path(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(path))
    return path


@pytest.fixture
def make_app(mongo_uri, instance_path):
    """Build an app on this test's database, with test settings overridable per call."""
    apps = []

    def make(**overrides):
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret-key",
            "MONGO_URI": mongo_uri,
            "MONGO_TIMEOUT_MS": 2000,
            "BCRYPT_ROUNDS": 4,
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["flaskr.mongo"].close()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/auth/login") -> str:
    """Read the CSRF token from a form page, as a browser would."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Register, sign in and sign out through the real forms, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def register(self, username: str = "alice", password: str = PASSWORD, **kw):
        data = {
            "username": username,
            "password": password,
            "csrf_token": csrf_token(self.client, "/auth/register"),
        }
        return self.client.post("/auth/register", data=data, **kw)

    def login(
        self,
        username: str = "alice",
        password: str = PASSWORD,
        *,
        remember=False,
        next: str | None = None,
        **kw,
    ):
        data = {"username": username, "password": password, "csrf_token": csrf_token(self.client)}
        if remember:
            data["remember"] = "y"
        url = "/auth/login" if next is None else "/auth/login?" + _q(next=next)
        return self.client.post(url, data=data, **kw)

    def logout(self, **kw):
        return self.client.post(
            "/auth/logout", data={"csrf_token": csrf_token(self.client, "/")}, **kw
        )


def _q(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def page_text(response) -> str:
    """The response body as a reader sees it (HTML entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def session_token(app, client) -> str | None:
    """The sign-in token inside `client`'s Flask session cookie, or None."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return None
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return data.get("_user_id")


def copy_cookies(source, target, names=("session", "remember_token")) -> None:
    """Give `target` (a test client) the named cookies of `source`, like a stolen copy."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def db(app):
    """The test's database, through the app's own client."""
    with app.app_context():
        from flaskr.db import get_db

        return get_db()


class DedicatedServer:
    """A SecantusDB of one test's own, which the test may stop, kill and restart."""

    def __init__(self, folder: Path) -> None:
        self.port = embedded.free_port()
        self.storage = folder / "data"
        self.log = folder / "server.log"
        self.uri = f"mongodb://127.0.0.1:{self.port}/flaskr_test"
        self.proc: subprocess.Popen | None = None

    def start(self, sync_on_commit: bool = True) -> DedicatedServer:
        """Start it; without `sync_on_commit` only a journaled write concern makes writes safe."""
        if sync_on_commit:
            self.proc = embedded.start(self.port, self.storage, self.log)
            return self
        self.storage.mkdir(parents=True, exist_ok=True)
        command = [embedded.server_command(), "--host", embedded.HOST, "--port", str(self.port)]
        command += ["--storage-path", str(self.storage), "--log-level", "WARNING"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while not embedded.port_open(self.port):
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "SecantusDB did not answer within 30 s"
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            embedded.stop(self.proc)
            self.proc = None

    def kill(self) -> None:
        """`kill -9`: no chance to flush anything."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(15)
            self.proc = None


@pytest.fixture
def dedicated_server(tmp_path):
    """A SecantusDB on a free port with data in tmp, not started yet; stopped at the end."""
    server = DedicatedServer(tmp_path / "secantus")
    yield server
    server.kill()  # its data is thrown away: no need to wait for a clean stop


class CommandLog(monitoring.CommandListener):
    """Every command the app's client sends: (name, collection, write concern)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object, dict]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        self.seen.append(
            (event.command_name, command.get(event.command_name), command.get("writeConcern", {}))
        )

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    def names(self) -> list[str]:
        """The command names, without the driver's own housekeeping."""
        skip = {"hello", "ismaster", "isMaster", "endSessions", "ping", "createIndexes"}
        return [name for name, _, _ in self.seen if name not in skip]


@pytest.fixture
def command_log(monkeypatch):
    """Listen to the commands of every client the app makes (real servers only)."""
    from flaskr import db as flaskr_db

    log = CommandLog()
    make_client = flaskr_db.make_client

    def listening(uri, timeout_ms=3000, listeners=None):
        return make_client(uri, timeout_ms, [*(listeners or []), log])

    monkeypatch.setattr(flaskr_db, "make_client", listening)
    return log

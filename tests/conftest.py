"""The fixtures, in the Flask tutorial's style: app, client, runner, auth, and the databases.

Tests run on mongomock by default. A test marked `db` runs again against a real server
speaking the MongoDB wire protocol; one marked `realdb` runs only there. The real server is
SecantusDB started for the session, or the `mongodb://` server named by MONGO_URI. The helpers
these fixtures use, and that tests import, live in tests/support/.
"""

from __future__ import annotations

import os
import uuid

import pymongo
import pytest

from flaskr import create_app
from flaskr_dev import embedded
from tests.support.database import CommandLog, DedicatedServer, db_of, with_database
from tests.support.live import App, app_env
from tests.support.users import add_user
from tests.support.web import AuthActions


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    real = pytest.param("real", marks=pytest.mark.realdb)
    if metafunc.definition.get_closest_marker("realdb"):
        metafunc.parametrize("backend", [real], indirect=True)
    elif metafunc.definition.get_closest_marker("db"):
        metafunc.parametrize("backend", ["mongomock", real], indirect=True)


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


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def db(app):
    """The test's database, through the app's own client."""
    return db_of(app)


@pytest.fixture
def alice(app):
    """The user alice (password PASSWORD), made straight in the store."""
    return add_user(app)


@pytest.fixture
def dedicated_server(tmp_path):
    """A SecantusDB on a free port with data in tmp, not started yet; stopped at the end."""
    server = DedicatedServer(tmp_path / "secantus")
    yield server
    server.kill()  # its data is thrown away: no need to wait for a clean stop


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


@pytest.fixture
def serve(tmp_path):
    """Start gunicorn processes on free ports (`serve(mongo_uri, **env)`); stop them after."""
    apps: list[App] = []

    def start(mongo_uri: str, **env: str) -> App:
        n = len(apps)
        app = App(
            port=embedded.free_port(),
            log=tmp_path / f"gunicorn-{n}.log",
            env=app_env(mongo_uri, tmp_path / f"instance-{n}", **env),
        )
        apps.append(app)
        app.start()
        return app

    yield start
    for app in apps:
        app.stop()

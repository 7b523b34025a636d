"""Fixtures for the operations tests: a SecantusDB of our own and gunicorn processes."""

from __future__ import annotations

import pytest

from flaskr_dev import embedded

from .live import App, Database, app_env


@pytest.fixture
def own_server(tmp_path):
    """A SecantusDB for this test alone, which the test may stop and start again."""
    server = Database(tmp_path / "secantus")
    server.start()
    yield server
    server.stop()


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

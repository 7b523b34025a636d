"""Launchers of one instance share its database: the last to leave stops it (in-process)."""

from __future__ import annotations

import json

import pytest

from flaskr_dev import database
from flaskr_dev.database import Lease


def test_the_last_lease_to_leave_is_told_so(tmp_path):
    first, second = Lease(tmp_path), Lease(tmp_path)
    for lease in (first, second):
        with lease.deciding():
            lease.join()
    with first.deciding():
        assert first.leave() is False  # the second still uses it
    with second.deciding():
        assert second.leave() is True
    first.close()
    second.close()


def test_a_launcher_gone_without_leaving_does_not_hold_the_database(tmp_path):
    """A crashed launcher's lock goes with its file descriptors (here: closed without leave)."""
    crashed, alive = Lease(tmp_path), Lease(tmp_path)
    for lease in (crashed, alive):
        with lease.deciding():
            lease.join()
    crashed.close()
    with alive.deciding():
        assert alive.leave() is True
    alive.close()


class FakeServer:
    """The processes embedded_database would start, as records."""

    def __init__(self, monkeypatch, listening=False, problem=None):
        self.listening = listening
        self.events = []
        self.pid = 4242
        monkeypatch.setattr(database.embedded, "port_open", lambda port: self.listening)
        monkeypatch.setattr(database.embedded, "storage_in_use", lambda storage: False)
        monkeypatch.setattr(database.access, "problem", lambda port, instance: problem)
        monkeypatch.setattr(database.access, "serve", self.serve)
        monkeypatch.setattr(
            database.embedded, "stop", lambda proc, within: self.events.append("stop")
        )
        monkeypatch.setattr(
            database.embedded,
            "stop_pid",
            lambda pid, storage, within: self.events.append(("kill", pid)),
        )

    def serve(self, instance, port, storage, log):
        self.events.append(("serve", port, storage))
        self.listening = True
        return self


def test_the_first_launcher_starts_and_the_last_stops(tmp_path, monkeypatch, capsys):
    server = FakeServer(monkeypatch)
    storage = tmp_path / "db"
    with database.embedded_database(tmp_path, 27999, storage):
        assert json.loads((tmp_path / "db.pid").read_text()) == {"pid": 4242, "port": 27999}
        with database.embedded_database(tmp_path, 27999, storage):
            pass  # a second launcher joins and leaves first
        assert server.events == [("serve", 27999, storage)]
    assert server.events[-1] == "stop"
    assert not (tmp_path / "db.pid").exists()
    out = capsys.readouterr().out
    assert "Using the embedded database already running on 127.0.0.1:27999." in out
    assert "Leaving the embedded database running: another launcher uses it." in out
    assert out.strip().endswith("Stopping the embedded database.")


def test_the_joiner_that_leaves_last_stops_what_the_first_started(tmp_path, monkeypatch):
    server = FakeServer(monkeypatch)
    storage = tmp_path / "db"
    first = database.embedded_database(tmp_path, 27999, storage)
    second = database.embedded_database(tmp_path, 27999, storage)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert server.events == [("serve", 27999, storage)]
    second.__exit__(None, None, None)
    # The second has no handle on the process: it stops it by the pid the first wrote.
    assert server.events[-1] == ("kill", 4242)


def test_a_foreign_server_on_the_port_is_refused(tmp_path, monkeypatch):
    FakeServer(monkeypatch, listening=True, problem="it runs without authentication")
    with (
        pytest.raises(
            SystemExit, match=r"already listens on 127\.0\.0\.1:27999 but it runs without"
        ),
        database.embedded_database(tmp_path, 27999, tmp_path / "db"),
    ):
        pass


def test_the_same_folder_on_another_port_is_refused(tmp_path, monkeypatch):
    FakeServer(monkeypatch)
    monkeypatch.setattr(database.embedded, "storage_in_use", lambda storage: True)
    (tmp_path / "db.pid").write_text(json.dumps({"pid": 1, "port": 28001}))
    with (
        pytest.raises(
            SystemExit, match="already runs on port 28001: use the same EMBEDDED_DB_PORT"
        ),
        database.embedded_database(tmp_path, 27999, tmp_path / "db"),
    ):
        pass

"""Real servers for the tests: URIs, a SecantusDB of one test's own, the commands a client sends."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pymongo import monitoring

from flaskr_dev import embedded


def with_database(uri: str, name: str) -> str:
    """`uri` with its database path replaced by `name` (options kept)."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path="/" + name))


def db_of(app):
    """`app`'s database through its own client (mongomock keeps one store per client)."""
    from flaskr.db import get_db

    with app.app_context():
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


class CommandLog(monitoring.CommandListener):
    """Every command the app's client sends: (name, collection, write concern) in `seen`, and
    the commands themselves in `commands`."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object, dict]] = []
        self.commands: list[dict] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        self.seen.append(
            (event.command_name, command.get(event.command_name), command.get("writeConcern", {}))
        )
        self.commands.append(dict(command))

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    def names(self) -> list[str]:
        """The command names, without the driver's own housekeeping."""
        skip = {"hello", "ismaster", "isMaster", "endSessions", "ping", "createIndexes"}
        return [name for name, _, _ in self.seen if name not in skip]

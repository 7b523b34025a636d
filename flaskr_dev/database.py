"""One instance's embedded database, shared by every launcher of that instance.

It runs while any launcher uses it: the first starts it, the others join it, and the last to
leave stops it, whichever launcher that is. Two locks in instance/ keep the decisions apart:
`db.lock` (held while one launcher starts, joins, leaves or stops) and `db.users` (held
shared by every launcher using the database; whoever then gets it alone was the last).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from . import access, embedded

PID_FILE = "db.pid"
# Seconds a stopping database gets before it is killed: with gunicorn's 5 (flaskr_dev.run),
# Ctrl-C ends everything within 10 s. It usually takes 2; --sync-on-commit makes a kill safe.
STOP_WITHIN = 4


class Lease:
    """This launcher's share of the instance's database."""

    def __init__(self, instance: Path) -> None:
        instance.mkdir(parents=True, exist_ok=True)
        self._gate = open(instance / "db.lock", "a")  # noqa: SIM115 (held for the lease's life)
        self._users = open(instance / "db.users", "a")  # noqa: SIM115
        self.joined = False

    @contextlib.contextmanager
    def deciding(self) -> Iterator[None]:
        """One launcher at a time starts, joins, leaves or stops the database."""
        fcntl.flock(self._gate, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._gate, fcntl.LOCK_UN)

    def join(self) -> None:
        fcntl.flock(self._users, fcntl.LOCK_SH)
        self.joined = True

    def leave(self) -> bool:
        """Stop using the database; True when no other launcher uses it any more."""
        fcntl.flock(self._users, fcntl.LOCK_UN)
        self.joined = False
        try:
            fcntl.flock(self._users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(self._users, fcntl.LOCK_UN)
        return True

    def close(self) -> None:
        self._gate.close()
        self._users.close()


@contextlib.contextmanager
def embedded_database(instance: Path, port: int, storage: Path) -> Iterator[None]:
    """The instance's database on 127.0.0.1:`port`, started or joined for the block's length."""
    lease = Lease(instance)
    proc = None
    try:
        with lease.deciding():
            proc = _start_or_join(instance, port, storage)
            lease.join()
        yield
    finally:
        if lease.joined:
            with lease.deciding():
                if lease.leave():
                    print("Stopping the embedded database.", flush=True)
                    _stop(instance, storage, proc)
                else:
                    print("Leaving the embedded database running: another launcher uses it.")
        lease.close()


def _start_or_join(instance: Path, port: int, storage: Path) -> subprocess.Popen | None:
    where = f"{embedded.HOST}:{port}"
    if embedded.port_open(port):
        problem = access.problem(port, instance)
        if problem:
            raise SystemExit(
                f"Something already listens on {where} but {problem}: stop it, or give this "
                "instance another port (EMBEDDED_DB_PORT=...)."
            )
        print(f"Using the embedded database already running on {where}.", flush=True)
        return None
    if embedded.storage_in_use(storage):
        running = _read_pid(instance)
        elsewhere = f" on port {running['port']}" if running else ""
        raise SystemExit(
            f"The embedded database of {storage} already runs{elsewhere}: use the same "
            "EMBEDDED_DB_PORT as the launcher that started it."
        )
    print(f"Starting the embedded database on {where} (data in {storage}).", flush=True)
    proc = access.serve(instance, port, storage, instance / "secantusd.log")
    _write_pid(instance, proc.pid, port)
    return proc


def _stop(instance: Path, storage: Path, proc: subprocess.Popen | None) -> None:
    """Stop the database: our own child, or the one another launcher started and left."""
    if proc is not None:
        embedded.stop(proc, STOP_WITHIN)
    else:
        running = _read_pid(instance)
        if running:
            embedded.stop_pid(running["pid"], storage, STOP_WITHIN)
    with contextlib.suppress(FileNotFoundError):
        (instance / PID_FILE).unlink()


def _write_pid(instance: Path, pid: int, port: int) -> None:
    path = instance / PID_FILE
    path.write_text(json.dumps({"pid": pid, "port": port}) + "\n")


def _read_pid(instance: Path) -> dict | None:
    try:
        running = json.loads((instance / PID_FILE).read_text())
        return {"pid": int(running["pid"]), "port": int(running["port"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def provision_main(instance: Path, storage: Path) -> int:
    """`python -m flaskr_dev provision-db`: make or check the users of a stopped database."""
    if embedded.storage_in_use(storage):
        print(f"Stop the database of {storage} first (systemctl stop flaskr-db).", flush=True)
        return 1
    port = embedded.free_port()
    proc = access.serve(instance, port, storage, instance / "secantusd.log")
    embedded.stop(proc)
    print(f"The database in {storage} admits the users in {instance}/db-credentials.", flush=True)
    return 0

"""The embedded database: SecantusDB started and stopped as a separate process.

SecantusDB is spoken to over a socket, never imported: it is GPL-licensed, and keeping it
out of flaskr's process keeps flaskr's own licence free. The app never imports this module;
`make run` (flaskr_dev.run), the tests and the benchmarks do.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_DB_PORT = 27018


def server_command() -> str:
    """Path of the `secantusd-py` launcher installed with the `embedded` extra."""
    beside = Path(sys.executable).parent / "secantusd-py"
    found = str(beside) if beside.exists() else shutil.which("secantusd-py")
    if not found:
        raise SystemExit(
            "secantusd-py not found: install the embedded extra (pip install -e '.[embedded]')"
        )
    return found


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(port: int, storage: Path | str, log: Path | str | None = None) -> subprocess.Popen:
    """Start SecantusDB on 127.0.0.1:`port` with data in `storage`; return once it answers."""
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child owns it)
    proc = subprocess.Popen(
        [
            server_command(),
            "--host",
            HOST,
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--sync-on-commit",
            "--log-level",
            "WARNING",
        ],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Its own process group: Ctrl-C reaches the app first, then we stop the database.
        start_new_session=True,
    )
    if log:
        out.close()
    deadline = time.monotonic() + 30
    while not port_open(port):
        if proc.poll() is not None:
            raise RuntimeError(f"SecantusDB exited with code {proc.returncode}; see {log}")
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"SecantusDB did not answer on port {port} within 30 s")
        time.sleep(0.1)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop the server cleanly (SIGTERM), killing it if it does not exit in `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

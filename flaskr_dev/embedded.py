"""The embedded database: SecantusDB started and stopped as a separate process.

SecantusDB is spoken to over a socket, never imported: it is GPL-licensed, and keeping it
out of flaskr's process keeps flaskr's own licence free. The app never imports this module;
`make run` (flaskr_dev.run), the tests and the benchmarks do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The running server holds its folder's lock: the app's restore asks the same question.
from flaskr.backup.archive import in_use as storage_in_use

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


@dataclass(frozen=True)
class Tls:
    """PEM files for a server that only a client holding `client` (cert and key) may reach."""

    cert: Path
    key: Path
    client: Path


def start(
    port: int,
    storage: Path | str,
    log: Path | str | None = None,
    *,
    auth: bool = False,
    tls: Tls | None = None,
) -> subprocess.Popen:
    """Start SecantusDB on 127.0.0.1:`port` with data in `storage`; return once it answers.

    `auth` requires SCRAM credentials of every client; `tls` requires a client certificate.
    """
    if storage != ":memory:":
        Path(storage).mkdir(mode=0o700, parents=True, exist_ok=True)
    command = [server_command(), "--host", HOST, "--port", str(port)]
    command += ["--storage-path", str(storage), "--sync-on-commit", "--log-level", "WARNING"]
    if auth:
        command.append("--auth")
    if tls is not None:
        command += ["--tls-cert-file", str(tls.cert), "--tls-key-file", str(tls.key)]
        command += ["--tls-ca-file", str(tls.cert), "--tls-require-client-cert"]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 (the child owns it)
    proc = subprocess.Popen(
        command,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Its own session: Ctrl-C and a closed terminal reach the launchers, which decide
        # when the database stops (it may serve another launcher still).
        start_new_session=True,
    )
    if log:
        out.close()
    deadline = time.monotonic() + 30
    while not _answers(port, tls):
        if proc.poll() is not None:
            raise RuntimeError(f"SecantusDB exited with code {proc.returncode}; see {log}")
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"SecantusDB did not answer on port {port} within 30 s")
        time.sleep(0.1)
    return proc


def _answers(port: int, tls: Tls | None) -> bool:
    if tls is None:
        return port_open(port)
    # A plain probe would fill the server's log with failed TLS handshakes.
    context = ssl.create_default_context(cafile=tls.cert)
    context.load_cert_chain(tls.client)
    try:
        with socket.create_connection((HOST, port), timeout=1) as plain:
            context.wrap_socket(plain, server_hostname=HOST).close()
    except OSError:
        return False
    return True


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop the server cleanly (SIGTERM), killing it if it does not exit in `timeout`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def command_line(pid: int) -> str:
    """The command line of process `pid`, or "" when there is none."""
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.parent.parent.is_dir():
        with contextlib.suppress(OSError):
            return proc.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        return ""
    shown = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True)
    return shown.stdout.strip()


def stop_pid(pid: int, storage: Path, timeout: float = 15) -> None:
    """Stop the server of `storage` that another process started (its pid is all we have)."""
    if not storage_in_use(storage):
        return
    # A pid outlives nothing: make sure it is still that server before signalling it.
    if f"--storage-path {storage}" not in command_line(pid):
        raise RuntimeError(f"{storage} is open in a process that is not SecantusDB {pid}")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while storage_in_use(storage):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.05)

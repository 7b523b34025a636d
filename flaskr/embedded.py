"""Run the app with the embedded database: `python -m flaskr.embedded` (what `make run` does).

SecantusDB is a separate process spoken to over a socket, never imported: it is
GPL-licensed, and keeping it out of flaskr's process keeps flaskr's own licence free.
Nothing in the app imports this module.
"""

from __future__ import annotations

import contextlib
import os
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


def _gunicorn_args(port: str) -> list[str]:
    conf = Path("deploy/gunicorn.conf.py")
    args = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"{HOST}:{port}"]
    if conf.exists():
        args += ["--config", str(conf)]
    else:
        args += ["--workers", "2", "--threads", "4", "--timeout", "60", "--access-logfile", "-"]
    return [*args, "wsgi:app"]


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached the launcher alone (`kill`, a closed terminal, a supervisor)."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def _stop_app(app: subprocess.Popen) -> int:
    """Stop gunicorn gracefully (SIGTERM lets it finish its requests), then for good."""
    app.terminate()
    try:
        return app.wait(30)
    except subprocess.TimeoutExpired:
        app.kill()
        return app.wait()


def main() -> int:
    # Ctrl-C reaches every process of the terminal's group; these reach only this one, so
    # it must pass them on, or gunicorn and the database would outlive it.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGHUP, _stopped)
    port = os.environ.get("PORT", "5000")
    instance = Path(os.environ.get("FLASKR_INSTANCE_PATH", "instance")).resolve()
    env = dict(os.environ)
    db_proc = None
    if not env.get("MONGO_URI") and not env.get("FLASKR_MONGO_URI"):
        db_port = int(env.get("EMBEDDED_DB_PORT", DEFAULT_DB_PORT))
        if port_open(db_port):
            print(f"Using the embedded database already running on {HOST}:{db_port}.")
        else:
            print(f"Starting the embedded database on {HOST}:{db_port} (data in {instance}/db).")
            db_proc = start(db_port, instance / "db", instance / "secantusd.log")
        env["MONGO_URI"] = f"mongodb://{HOST}:{db_port}/flaskr"
    try:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "flaskr", "init-db"], env=env, check=True
        )
        print(f"Serving flaskr on http://{HOST}:{port} (Ctrl-C stops it).", flush=True)
        app = subprocess.Popen(_gunicorn_args(port), env=env)
        try:
            return app.wait()
        except KeyboardInterrupt:
            # The terminal sent SIGINT to gunicorn too; give it time to finish requests.
            with contextlib.suppress(subprocess.TimeoutExpired):
                return app.wait(30)
            return _stop_app(app)
        except _Stopped:
            print("Stopping flaskr.", flush=True)
            return _stop_app(app)
    except subprocess.CalledProcessError as e:
        return e.returncode
    except (KeyboardInterrupt, _Stopped):
        return 130
    finally:
        if db_proc is not None:
            print("Stopping the embedded database.")
            stop(db_proc)


if __name__ == "__main__":
    sys.exit(main())

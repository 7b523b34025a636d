"""`make run`: the app under gunicorn on http://127.0.0.1:5000, with the embedded database
unless MONGO_URI names one (`python -m flaskr_dev`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from . import mailsink
from .embedded import DEFAULT_DB_PORT, HOST, port_open, start, stop


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


def _start_mail(env: dict[str, str], instance: Path) -> list[subprocess.Popen]:
    """The outbox's sender, and unless FLASKR_MAIL_SERVER names a relay, a sink it delivers to."""
    started = []
    if not env.get("FLASKR_MAIL_SERVER"):
        port = int(env.get("MAIL_SINK_PORT", mailsink.DEFAULT_SINK_PORT))
        if port_open(port):
            print(f"Using the mail sink already running on {HOST}:{port}.")
        else:
            print(f"Starting a mail sink on {HOST}:{port} (messages in {instance}/mail).")
            started.append(mailsink.start(port, instance / "mail"))
        env.update(FLASKR_MAIL_SERVER=HOST, FLASKR_MAIL_PORT=str(port))
        for name in ("FLASKR_MAIL_USE_TLS", "FLASKR_MAIL_USE_SSL", "FLASKR_MAIL_USERNAME"):
            env.pop(name, None)  # the sink speaks plain SMTP and wants no login
    sender = [sys.executable, "-m", "flask", "--app", "flaskr", "mail", "send"]
    # In the terminal's process group: Ctrl-C reaches it, and it stops after its message.
    started.append(subprocess.Popen(sender, env=env))
    return started


def _stop_mail(started: list[subprocess.Popen]) -> None:
    """Stop the sender first (it may be handing a message to the sink), then the sink."""
    for proc in reversed(started):
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    # Ctrl-C reaches every process of the terminal's group; these reach only this one, so
    # it must pass them on, or gunicorn and the database would outlive it.
    signal.signal(signal.SIGTERM, _stopped)
    signal.signal(signal.SIGHUP, _stopped)
    port = os.environ.get("PORT", "5000")
    instance = Path(os.environ.get("FLASKR_INSTANCE_PATH", "instance")).resolve()
    env = dict(os.environ)
    # Links in e-mail point at this server unless told otherwise (production must say).
    env.setdefault("FLASKR_PUBLIC_URL", f"http://{HOST}:{port}")
    db_proc, mail = None, []
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
        mail = _start_mail(env, instance)
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
        _stop_mail(mail)
        if db_proc is not None:
            print("Stopping the embedded database.")
            stop(db_proc)

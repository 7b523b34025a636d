"""`make run`: the app under gunicorn on http://127.0.0.1:5000, with the embedded database
unless MONGO_URI names one (`python -m flaskr_dev`)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flaskr.config import DB_CREDENTIALS_FILE, embedded_storage, settings

from . import mailsink
from .database import embedded_database
from .embedded import HOST, port_open

# Seconds gunicorn has to stop after Ctrl-C before what is left of it is killed: together
# with stopping the database (a few seconds) everything is gone within 10 s.
GRACE = 5
UP_WITHIN = 60  # seconds for gunicorn to answer its first request


def _gunicorn_args(port: str) -> list[str]:
    conf = Path("deploy/gunicorn.conf.py")
    args = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", f"{HOST}:{port}"]
    if conf.exists():
        args += ["--config", str(conf)]
    else:
        args += ["--workers", "2", "--threads", "4", "--timeout", "60", "--access-logfile", "-"]
    # A worker waiting on a client that never finishes its request would hold gunicorn's
    # stop for graceful_timeout (30 s in production): here it is killed after 3.
    return [*args, "--graceful-timeout", "3", "wsgi:app"]


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached the launcher alone (`kill`, a closed terminal, a supervisor)."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def _stop_app(app: subprocess.Popen, sig: int) -> int:
    """Pass `sig` to gunicorn (SIGINT: stop now, SIGTERM: after requests), then kill the rest."""
    # To the master alone: it tells each worker once. A worker signalled by both (as a
    # terminal's Ctrl-C did) could hang in its exit until killed.
    app.send_signal(sig)
    try:
        code = app.wait(GRACE)
    except subprocess.TimeoutExpired:
        code = None
    # Its group: the master, and any worker it left behind stuck in a request.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(app.pid, signal.SIGKILL)
    return app.wait() if code is None else code


def _wait_until_up(app: subprocess.Popen, port: str) -> bool:
    """True once gunicorn answers /healthz; False if it exited or never answered."""
    deadline = time.monotonic() + UP_WITHIN
    while app.poll() is None and time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2),
        ):
            return True
        time.sleep(0.2)
    return False


def _flask_command() -> str:
    """How to run the `flask` CLI of this venv, as short as it can be said from here."""
    flask = Path(sys.executable).parent / "flask"
    with contextlib.suppress(ValueError):
        return f"{flask.relative_to(Path.cwd())} --app flaskr"
    return f"{flask} --app flaskr"


def banner(port: str, data: str, mail: str = "", public_url: str = "") -> list[str]:
    """What `make run` says once the app answers: where to go, where things are, what next."""
    flask = _flask_command()
    served = f"http://{HOST}:{port}"
    public_url = public_url.rstrip("/") or served
    lines = [
        f"flaskr is up: open {public_url}/",
        *(
            [f"  (served on {served}/; passkeys work only under {public_url}/)"]
            if public_url != served
            else []
        ),
        f"  Data: {data}",
        *([f"  Mail: {mail}"] if mail else []),
        f"  First admin: {flask} users create NAME",
    ]
    from flaskr.cli import users_cli  # only to offer what this version's CLI has

    if "grant" in users_cli.commands:
        lines.append(f"    then: {flask} users grant NAME admin")
    lines.append("  Ctrl-C stops it.")
    return lines


def _data(config: dict, instance: Path) -> str:
    if config["MONGO_URI"]:
        return "the database MONGO_URI names"
    storage = embedded_storage(config, instance)
    port = config["EMBEDDED_DB_PORT"]
    return (
        f"{storage} (the embedded database on {HOST}:{port}; its users' passwords are "
        f"in {instance / DB_CREDENTIALS_FILE})"
    )


def _mail(env: dict[str, str], instance: Path) -> str:
    if env.get("FLASKR_MAIL_SERVER"):
        return f"sent through {env['FLASKR_MAIL_SERVER']} (FLASKR_MAIL_SERVER)"
    return f"kept in {instance / 'mail'} (Maildir); each message is also printed here"


def _serve(env: dict[str, str], port: str, lines: list[str]) -> int:
    """Run gunicorn until it exits or the launcher is told to stop; say `lines` once it is up."""
    # Its own process group, so that whatever is left of it can be killed at the end.
    app = subprocess.Popen(_gunicorn_args(port), env=env, process_group=0)
    try:
        if _wait_until_up(app, port):
            print("\n".join(lines), flush=True)
        return app.wait()
    except KeyboardInterrupt:
        # The terminal's SIGINT reached only this process group: pass it on.
        return _stop_app(app, signal.SIGINT)
    except _Stopped:
        print("Stopping flaskr.", flush=True)
        return _stop_app(app, signal.SIGTERM)


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
    # The children read the same settings from the same instance/ (flaskr.config).
    env = {**os.environ, "FLASKR_INSTANCE_PATH": str(instance)}
    # Links in e-mail point at this server unless told otherwise (production must say), by
    # the name `localhost`: browsers refuse passkeys on an IP address such as 127.0.0.1.
    env.setdefault("FLASKR_PUBLIC_URL", f"http://localhost:{port}")
    try:
        config = settings(instance)
        with contextlib.ExitStack() as stack:
            if not config["MONGO_URI"]:
                storage = embedded_storage(config, instance)
                stack.enter_context(
                    embedded_database(instance, config["EMBEDDED_DB_PORT"], storage)
                )
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "flaskr", "init-db"], env=env, check=True
            )
            mail = _mail(env, instance)  # said before the sink's address joins `env`
            # Stopped before the database (the stack unwinds in reverse).
            stack.callback(_stop_mail, _start_mail(env, instance))
            said = banner(port, _data(config, instance), mail, env["FLASKR_PUBLIC_URL"])
            return _serve(env, port, said)
    except subprocess.CalledProcessError as e:
        return e.returncode
    except (KeyboardInterrupt, _Stopped):
        return 130

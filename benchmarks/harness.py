"""The pieces every benchmark and the soak share: database, seeded users, gunicorn, load.

Everything listens on 127.0.0.1 only, on free ports, and is stopped by the code that
started it. The database is a SecantusDB started for the run (the default) or the server
named by MONGO_URI, in a database of its own that is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pymongo

from flaskr import identity
from flaskr.identity import clock, passwords, users
from flaskr.mail import outbox
from flaskr.web import ratelimit
from flaskr_dev import embedded

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SEED_PASSWORD = "bench-" + "correct-horse-battery"
# Every index the app makes (create_app gathers the same lists).
INDEXES = [*identity.INDEXES, *outbox.INDEXES, *ratelimit.INDEXES]


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory_gb = round(kb / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": cores(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def with_database(uri: str, name: str) -> str:
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(path="/" + name))


def redacted(uri: str) -> str:
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


class Database:
    """The database for one run: an embedded SecantusDB we start, or MONGO_URI's server."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.name = f"flaskr_bench_{uuid.uuid4().hex[:10]}"
        given = os.environ.get("MONGO_URI", "")
        self.embedded = not given.startswith(("mongodb://", "mongodb+srv://"))
        self.proc: subprocess.Popen | None = None
        if self.embedded:
            self.port = embedded.free_port()
            self.uri = f"mongodb://{HOST}:{self.port}/{self.name}"
        else:
            self.uri = with_database(given, self.name)
        self.client: Any = None

    @property
    def label(self) -> str:
        return "embedded SecantusDB" if self.embedded else redacted(self.uri)

    def start(self) -> None:
        if self.embedded:
            self.proc = embedded.start(self.port, self.workdir / "db", self.workdir / "db.log")
        self.client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=5000, tz_aware=True)

    @property
    def db(self) -> Any:
        return self.client[self.name]

    def kill(self) -> None:
        """Stop the embedded server abruptly (SIGKILL), as a crash would."""
        assert self.proc is not None, "only the embedded server can be stopped"
        self.proc.kill()
        self.proc.wait(15)

    def restart(self) -> None:
        """Start the embedded server again on the same port and data."""
        self.proc = embedded.start(self.port, self.workdir / "db", self.workdir / "db.log")

    def stop(self) -> None:
        if self.client is not None:
            try:
                self.client.drop_database(self.name)
            except pymongo.errors.PyMongoError as e:
                print(f"could not drop {self.name}: {e}", file=sys.stderr)
            self.client.close()
        if self.proc is not None:
            embedded.stop(self.proc)
            self.proc = None


def seed_users(db: Any, count: int, rounds: int, start: int = 0, prefix: str = "user") -> list[str]:
    """Insert `count` users the way users.create_user shapes them; return their names.

    They share one password and one bcrypt hash made by passwords.hash_password at `rounds`:
    checking it costs exactly what checking a per-user hash costs, and hashing 100,000
    passwords at 12 rounds would take hours.
    """
    hashed = passwords.hash_password(SEED_PASSWORD, rounds)
    names = [f"{prefix}{i:06d}" for i in range(start, start + count)]
    now = clock.now()
    batch: list[dict[str, Any]] = []
    for name in names:
        batch.append(
            {
                "username": name,
                "username_key": users.username_key(name),
                "password_hash": hashed,
                "password_scheme": passwords.SCHEME,
                "created_at": now,
                "last_login_at": None,
                "previous_login_at": None,
            }
        )
        if len(batch) == 5000:
            db.users.insert_many(batch, ordered=False)
            batch = []
    if batch:
        db.users.insert_many(batch, ordered=False)
    return names


def load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load generator in its own process with `spec`; return its result."""
    bound = float(spec["seconds"]) + float(spec.get("timeout", 30)) + 60
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=bound,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def signed_in_cookies(port: int, username: str, password: str) -> dict[str, str]:
    """Sign in once through the form; return the browser's cookies afterwards."""
    from .loadgen import Client

    client = Client(port, 30)
    token = client.csrf_token()
    status, _, _ = client.request(
        "POST", "/auth/login", {"username": username, "password": password, "csrf_token": token}
    )
    client.close()
    if status != 302:
        raise RuntimeError(f"sign-in for the page benchmark answered {status}, not 302")
    return dict(client.cookies)


def report_main(
    argv: list[str] | None,
    doc: str,
    prefix: str,
    run: Callable[[Path, argparse.Namespace], dict[str, Any]],
    seconds: float | None = None,
) -> int:
    """A benchmark's command line: `--out FILE` (and `--seconds` when it has a duration);
    `run` in a temporary folder, its report printed as JSON."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if seconds is not None:
        parser.add_argument("--seconds", type=float, default=seconds)
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        report = run(Path(tmp), args)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0

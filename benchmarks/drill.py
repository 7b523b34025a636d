"""`make drill`: the restore drill at scale, timed (`python -m benchmarks.drill [--users N]`).

An embedded database provisioned as `make run` does, N users (10,000 by default), a writer
inserting journaled documents all along, `flask db backup` in the middle, the database
stopped and wiped, `flask db restore`, and the database started again. Checks that every
user and every write acknowledged before the backup began is back, exactly once. Reports
how long each step took, the archive's size and the longest a write waited while the backup
ran (the server holds its writes while it checkpoints and packs its files). Writes
benchmarks/results/drill.json; exits 1 when a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pymongo

from flaskr.config import embedded_uri
from flaskr.db import DURABLE, ensure_indexes
from flaskr_dev import access, embedded

from .harness import INDEXES, ROOT, machine, seed_users

OUT = ROOT / "benchmarks" / "results" / "drill.json"


class Probe(threading.Thread):
    """Inserts numbered, journaled documents (or reads a user) one after another, timed."""

    def __init__(self, uri: str, reads: bool = False) -> None:
        super().__init__(daemon=True)
        self.client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10_000)
        self.reads = reads
        self.acked: list[tuple[int, float, float]] = []  # (number, sent, answered)
        self.stopped = threading.Event()

    def run(self) -> None:
        writes = self.client.flaskr.get_collection("drill_writes", write_concern=DURABLE)
        number = 0
        while not self.stopped.is_set():
            sent = time.monotonic()
            if self.reads:
                self.client.flaskr.users.find_one({"username_key": f"user{number % 1000:06d}"})
            else:
                writes.insert_one({"n": number})
            self.acked.append((number, sent, time.monotonic()))
            number += 1

    def longest_wait_ms(self, began: float, ended: float) -> float:
        """The longest an operation answered within [began, ended] had waited."""
        waits = [acked - sent for _, sent, acked in self.acked if began <= acked and sent <= ended]
        return round(max(waits, default=0) * 1000, 1)

    def stop(self) -> None:
        self.stopped.set()
        self.join(30)
        self.client.close()


def flask(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "flaskr", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr.strip()}")
    return done, time.monotonic() - began


def timed(step: Any) -> tuple[Any, float]:
    began = time.monotonic()
    result = step()
    return result, time.monotonic() - began


def drill(users: int, folder: Path) -> dict[str, Any]:
    instance, port = folder / "instance", embedded.free_port()
    storage, log = instance / "db", instance / "secantusd.log"
    env = {k: v for k, v in os.environ.items() if "MONGO_URI" not in k}
    env.update(FLASKR_INSTANCE_PATH=str(instance), EMBEDDED_DB_PORT=str(port))
    proc, first_start = timed(lambda: access.serve(instance, port, storage, log))
    admin_uri = embedded_uri(instance, port, "admin")
    with pymongo.MongoClient(admin_uri) as client:
        ensure_indexes(client.flaskr, INDEXES)
        _, seeding = timed(lambda: seed_users(client.flaskr, users, rounds=4))
    writer, reader = Probe(embedded_uri(instance, port)), Probe(embedded_uri(instance, port), True)
    writer.start()
    reader.start()
    time.sleep(1)
    began = time.monotonic()
    before = [number for number, _, acked in writer.acked if acked < began]
    done, backup_wall = flask(env, "db", "backup", str(folder))
    ended = time.monotonic()
    time.sleep(1)
    writer.stop()
    reader.stop()
    (archive,) = folder.glob("flaskr-*.secantus.tar.gz")
    server_side = float(re.search(r"bytes, ([\d.]+) s\)", done.stdout).group(1))

    _, stopping = timed(lambda: embedded.stop(proc))
    shutil.rmtree(storage)
    _, restore_wall = flask(env, "db", "restore", str(archive))
    proc, restart = timed(lambda: access.serve(instance, port, storage, log))
    try:
        with pymongo.MongoClient(admin_uri) as client:
            names = [u["username"] for u in client.flaskr.users.find({}, {"username": 1})]
            kept = {w["n"] for w in client.flaskr.drill_writes.find({}, {"n": 1})}
    finally:
        embedded.stop(proc)
    checks = {
        "every_user_back": len(names) == users,
        "no_user_twice": len(set(names)) == len(names),
        "every_write_acknowledged_before_the_backup_back": set(before) <= kept,
    }
    return {
        "machine": machine(),
        "users": users,
        "archive_bytes": archive.stat().st_size,
        "seconds": {
            "seed_users": round(seeding, 2),
            "first_start_with_provisioning": round(first_start, 2),
            "backup_command": round(backup_wall, 2),
            "backup_in_the_server": server_side,
            "stop": round(stopping, 2),
            "restore_command": round(restore_wall, 2),
            "start_after_restore": round(restart, 2),
        },
        "longest_write_wait_during_backup_ms": writer.longest_wait_ms(began, ended),
        "longest_read_wait_during_backup_ms": reader.longest_wait_ms(began, ended),
        "writes_acknowledged_before_backup": len(before),
        "checks": checks,
        "met": all(checks.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drill", description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="flaskr-drill-") as folder:
        report = drill(args.users, Path(folder))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in report if k != "machine"}, indent=2))
    return 0 if report["met"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make profile`: where a worker spends its time on the hot paths, sampled with py-spy.

Starts the database and gunicorn with one gthread worker, puts load on one path (signed-in
`GET /user` with wrk or the Python generator, or sign-ins), and samples the worker with
`py-spy record` meanwhile. Prints the functions that hold the most samples, counted
inclusively (a function and what it calls) and by itself, and writes the raw stacks to
`benchmarks/results/profile-<name>.txt`. Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from flaskr import db

from .harness import INDEXES, SEED_PASSWORD, Database, load, seed_users, signed_in_cookies
from .pages import python_get, wrk
from .run import RESULTS
from .server import Gunicorn


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(found).exists():
        raise SystemExit("py-spy not found: pip install py-spy")
    return found


def summarise(raw: str, top: int = 25) -> str:
    """The top functions by inclusive and by own samples, from py-spy's collapsed stacks."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return "no samples"
    out = [f"{total} samples", "", "inclusive (the function and what it calls):"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "own (the function itself):"]
    out += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("what", choices=("user", "signin"), help="GET /user or sign-ins")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    spy = py_spy()
    with tempfile.TemporaryDirectory(prefix="flaskr-profile-") as tmp:
        database = Database(Path(tmp))
        server = None
        try:
            database.start()
            db.ensure_indexes(database.db, INDEXES)
            names = seed_users(database.db, 100, args.rounds)
            server = Gunicorn(database.uri, Path(tmp), 1, 4, args.rounds)
            server.start()
            (worker,) = server.worker_pids()
            raw = Path(tmp) / "stacks.txt"
            duration = str(int(args.seconds))
            record = subprocess.Popen(
                [
                    *(spy, "record", "--pid", str(worker), "--format", "raw", "--rate", "200"),
                    *("--duration", duration, "--output", str(raw), "--threads"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if args.what == "user":
                cookies = signed_in_cookies(server.port, names[0], SEED_PASSWORD)
                measure = wrk if shutil.which("wrk") else python_get
                result = measure(server.port, "/user", cookies, args.seconds)
                print(f"GET /user: {result['per_s']}/s under the profiler")
            else:
                spec = {"mode": "signin", "port": server.port, "concurrency": 8}
                spec |= {"seconds": args.seconds, "users": names, "password": SEED_PASSWORD}
                done = threading.Thread(target=lambda: print(load(spec)["statuses"]))
                done.start()
                done.join(args.seconds + 120)
            record.wait(args.seconds + 60)
            stacks = raw.read_text() if raw.exists() else ""
        finally:
            if server is not None:
                server.stop()
            database.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"profile-{args.what}.txt").write_text(stacks)
    print(summarise(stacks))
    return 0


if __name__ == "__main__":
    sys.exit(main())

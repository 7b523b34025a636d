"""`make soak`: mixed traffic for minutes, then a run with the database stopped in the middle.

Steady run: sign-ins, wrong passwords, page views, API calls and registrations from the load
generator against gunicorn. Passes when no answer was a 5xx, every account the server said
it created exists exactly once afterwards (none lost, none duplicated, the seeded ones all
there), and the workers' RSS grew less than 10% over the second half.

Outage run: the same traffic; in the middle the database is killed (SIGKILL), kept down,
then restarted on the same port and data. Passes when nothing but 503 answered while it was
down (no 500, no hang), everything worked again within a few seconds of the restart, and no
acknowledged account was lost. Needs the embedded database (it cannot stop MONGO_URI's).

Writes `benchmarks/results/soak.json`; exits 1 when a check failed. Loopback only; every
phase is bounded in time and count.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flaskr import config, db
from flaskr.identity import users

from . import table
from .harness import (
    INDEXES,
    ROOT,
    SEED_PASSWORD,
    Database,
    cores,
    machine,
    seed_users,
    signed_in_cookies,
)
from .pages import probe
from .run import RESULTS
from .server import Gunicorn

API = "/api/v1/me"
FULL = {"rounds": config.DEFAULTS["BCRYPT_ROUNDS"], "users": 200, "steady_s": 300}
FULL |= {"outage_run_s": 80, "down_at_s": 25, "down_s": 20, "recover_s": 5, "sample_s": 5}
SMOKE = {"rounds": 4, "users": 20, "steady_s": 4}
SMOKE |= {"outage_run_s": 14, "down_at_s": 2.5, "down_s": 4, "recover_s": 4, "sample_s": 0.5}
# The app's MONGO_TIMEOUT_MS for the run: how long a request waits before answering 503.
FULL["timeout_ms"], SMOKE["timeout_ms"] = 3000, 1000


def load_sampling(spec: dict, every: float, sample) -> dict[str, Any]:
    """Run the load generator while calling `sample()` every `every` seconds."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.loadgen"],
            stdin=subprocess.PIPE,
            stdout=out,
            text=True,
            cwd=ROOT,
        )
        proc.stdin.write(json.dumps(spec))
        proc.stdin.close()
        deadline = time.monotonic() + float(spec["seconds"]) + float(spec.get("timeout", 30)) + 60
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError("the load generator did not stop in time")
            sample()
            time.sleep(every)
        if proc.returncode != 0:
            raise RuntimeError(f"the load generator failed with code {proc.returncode}")
        out.seek(0)
        return json.load(out)


def fivexx(statuses: dict[str, int], allowed: tuple[int, ...] = ()) -> dict[str, int]:
    """The answers with a 5xx status not in `allowed`."""
    return {
        k: v
        for k, v in statuses.items()
        if k.rsplit(" ", 1)[1].isdigit()
        and int(k.rsplit(" ", 1)[1]) >= 500
        and int(k.rsplit(" ", 1)[1]) not in allowed
    }


def accounts(database: Database, seeded: list[str], got: dict[str, Any]) -> dict[str, Any]:
    """Every acknowledged account is there exactly once; nothing appeared from nowhere.

    `seeded` are the accounts that existed before this run (seeded or registered earlier).
    """
    coll = database.db.users
    created = got["registered"]
    missing = [n for n in created + seeded if coll.count_documents({"username": n}) != 1]
    # Found the way sign-in finds it (through the unique index), not only by a scan.
    unfindable = [
        n
        for n in created + seeded
        if coll.find_one({"username_key": users.username_key(n)}) is None
    ]
    duplicated = [
        d["_id"]
        for d in coll.aggregate(
            [{"$group": {"_id": "$username_key", "n": {"$sum": 1}}}, {"$match": {"n": {"$gt": 1}}}]
        )
    ]
    unknown = [n for n in got["unanswered_registrations"] if coll.count_documents({"username": n})]
    total = coll.count_documents({})
    expected = len(seeded) + len(created) + len(unknown)
    return {
        "registered": len(created),
        "unanswered_but_created": len(unknown),
        "users_in_database": total,
        "expected": expected,
        "missing": missing[:20],
        "duplicated": duplicated[:20],
        "unfindable": unfindable[:20],
        "ok": not missing and not duplicated and not unfindable and total == expected,
    }


def steady(server: Gunicorn, database: Database, names: list[str], s: dict) -> dict[str, Any]:
    """Mixed traffic for `steady_s`; RSS sampled throughout."""
    samples: list[tuple[float, float]] = []
    t0 = time.monotonic()

    def sample() -> None:
        rss = sum(w["rss_mb"] for w in server.memory())
        samples.append((round(time.monotonic() - t0, 1), round(rss, 1)))

    got = load_sampling(spec(server, names, s["steady_s"], s["api"]), s["sample_s"], sample)
    sample()
    half = [rss for t, rss in samples if t >= s["steady_s"] / 2]
    growth = (half[-1] - half[0]) / half[0] if len(half) >= 2 and half[0] else None
    bad = fivexx(got["statuses"])
    checked = accounts(database, names, got)
    result = {
        "registered_names": got["registered"],
        "seconds": got["seconds"],
        "requests": got["requests"],
        "per_s": round(got["requests"] / got["seconds"], 1),
        "statuses": got["statuses"],
        "errors": got["errors"],
        "fivexx": bad,
        "accounts": checked,
        "rss_samples_mb": samples,
        "rss_growth_last_half": None if growth is None else round(growth, 4),
    }
    checks = {"no_5xx": not bad, "accounts": checked["ok"], "no_errors": not got["errors"]}
    if s["judge_rss"]:
        checks["rss_growth_under_10pct"] = growth is not None and growth < 0.10
    result["checks"] = checks
    return result


def outage(
    server: Gunicorn, database: Database, names: list[str], before: list[str], s: dict
) -> dict[str, Any]:
    """Mixed traffic with the database killed at `down_at_s` and restarted `down_s` later.

    `names` are the seeded users who sign in; `before` every account that existed already.
    """
    times: dict[str, float] = {}

    def cycle() -> None:
        time.sleep(s["down_at_s"])
        times["down"] = time.time()
        database.kill()
        time.sleep(s["down_s"])
        times["restarting"] = time.time()
        database.restart()
        times["up"] = time.time()

    chaos = threading.Thread(target=cycle, name="outage")
    chaos.start()
    run = spec(server, names, s["outage_run_s"], s["api"], events=True)
    got = load_sampling(run, 0.5, lambda: None)
    chaos.join(60)
    events = got.pop("events")
    down, restarting, up = times["down"], times["restarting"], times["up"]
    # While down: requests that started after the kill and were answered before the restart.
    recovered_at = up + s["recover_s"]
    during = [e for e in events if e[0] > down and e[1] < restarting]
    after = [e for e in events if e[0] >= recovered_at]
    not_503 = [e for e in during if e[3] != 503]
    after_bad = [e for e in after if not isinstance(e[3], int) or e[3] >= 500]
    ok_after = [e for e in after if e[2] == "signin" and e[3] == 302]
    other_5xx = [
        [round(e[0] - down, 2), round(e[1] - down, 2), e[2], e[3]]
        for e in events
        if isinstance(e[3], int) and e[3] >= 500 and e[3] != 503
    ]
    checked = accounts(database, before, got)
    checks = {
        "only_503_while_down": bool(during) and not not_503,
        "no_other_5xx": not fivexx(got["statuses"], allowed=(503,)),
        "recovered": bool(ok_after) and not after_bad,
        "accounts": checked["ok"],
    }
    return {
        "seconds": got["seconds"],
        "down_for_s": round(restarting - down, 1),
        "restart_took_s": round(up - restarting, 1),
        "requests": got["requests"],
        "statuses": got["statuses"],
        "while_down": _count(during),
        "not_503_while_down": not_503[:20],
        "after_recovery": _count(after),
        "failed_after_recovery": after_bad[:20],
        "other_5xx_seconds_after_kill": other_5xx[:20],
        "accounts": checked,
        "checks": checks,
    }


def _count(events: list[list]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, kind, status in events:
        counts[f"{kind} {status}"] = counts.get(f"{kind} {status}", 0) + 1
    return counts


def spec(server: Gunicorn, names: list[str], seconds: float, api: bool, events=False) -> dict:
    """The load generator's spec: `names` sign in, the `target*` accounts get wrong passwords."""
    mix = {"signin": 2, "wrong_password": 1, "page": 4, "api": 2 if api else 0, "register": 1}
    return {
        "mode": "mixed",
        "port": server.port,
        "concurrency": 4 * cores(),
        "seconds": seconds,
        "users": [n for n in names if n.startswith("user")],
        "targets": [n for n in names if n.startswith("target")],
        "password": SEED_PASSWORD,
        "api_path": API,
        "mix": mix,
        "events": events,
        "timeout": 30,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="seconds instead of minutes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where soak.json goes")
    args = parser.parse_args(argv)
    s = dict(SMOKE if args.smoke else FULL)
    s["judge_rss"] = not args.smoke  # a few seconds of traffic says nothing about growth
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": s,
    }
    with tempfile.TemporaryDirectory(prefix="flaskr-soak-") as tmp:
        database = Database(Path(tmp))
        server = None
        try:
            database.start()
            report["database"] = database.label
            db.ensure_indexes(database.db, INDEXES)
            names = seed_users(database.db, s["users"], s["rounds"])
            names += seed_users(database.db, s["users"] // 4, s["rounds"], prefix="target")
            timeout = {"FLASKR_MONGO_TIMEOUT_MS": str(s["timeout_ms"])}
            server = Gunicorn(database.uri, Path(tmp), cores(), 4, s["rounds"], timeout)
            server.start()
            cookies = signed_in_cookies(server.port, names[0], SEED_PASSWORD)
            s["api"] = probe(server.port, API, cookies) == 200
            if not s["api"]:
                report["api"] = f"GET {API} is not in this app yet: no API calls in the mix"
            print(f"steady: {s['steady_s']} s of mixed traffic", flush=True)
            report["steady"] = steady(server, database, names, s)
            if database.embedded:
                print(f"outage: database down for {s['down_s']} s", flush=True)
                before = names + report["steady"].pop("registered_names")
                report["outage"] = outage(server, database, names, before, s)
            else:
                report["outage"] = {"skipped": "MONGO_URI's server cannot be stopped by the soak"}
        finally:
            if server is not None:
                server.stop()
                # The server's own account of any 500 (tracebacks), for whoever reads the report.
                report["server_log_tail"] = server.log_tail(60).splitlines()
            database.stop()
    checks = {
        f"{phase}.{name}": ok
        for phase in ("steady", "outage")
        for name, ok in report[phase].get("checks", {}).items()
    }
    report["passed"] = all(checks.values())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    print(f"wrote {args.out / 'soak.json'}")
    if not args.smoke and args.out.resolve() == RESULTS:
        markers = (table.SOAK_START, table.SOAK_END)
        if table.update_readme(ROOT / "README.md", report, markers, table.soak_markdown):
            print("updated the soak table in README.md")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())

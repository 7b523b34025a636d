"""`make bench`: bcrypt ceiling, sign-in and page throughput (with CPU by process), scale, memory.

Writes every figure to `benchmarks/results/latest.json`, then draws `latest.png`. A benchmark
whose route is not in the app yet is reported as missing with the reason, never as a number.
`--smoke` runs the same code for a few seconds with cheap hashes (what the test suite does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flaskr import config, db
from flaskr.identity import passwords

from . import chart, table
from .cpu import CpuMeter, meter_for
from .harness import (
    INDEXES,
    SEED_PASSWORD,
    Database,
    cores,
    load,
    machine,
    seed_users,
    signed_in_cookies,
)
from .pages import bench_pages
from .server import Gunicorn

RESULTS = Path(__file__).resolve().parent / "results"

FULL = {
    "rounds": config.DEFAULTS["BCRYPT_ROUNDS"],
    "bcrypt_samples": 15,
    "users": 1_000,
    "scale_users": 100_000,
    "warmup_s": 3,
    "signin_s": 30,
    "scale_s": 15,
    "pages_s": 10,
    "threads": 4,
}
SMOKE = {
    "rounds": 4,
    "bcrypt_samples": 5,
    "users": 30,
    "scale_users": 300,
    "warmup_s": 0.5,
    "signin_s": 2,
    "scale_s": 1,
    "pages_s": 1,
    "threads": 2,
}


def bench_bcrypt(rounds: int, samples: int) -> dict[str, Any]:
    """Median time of one check at `rounds`; ceiling = cores / that time."""
    hashed = passwords.hash_password(SEED_PASSWORD, rounds)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        assert passwords.check_password(SEED_PASSWORD, hashed)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return {
        "rounds": rounds,
        "samples": samples,
        "median_ms": round(median * 1000, 2),
        "cores": cores(),
        "ceiling_per_s": round(cores() / median, 2),
        # For reading the ratio: what one thread per core really gets, all checking at once.
        "parallel_checks_per_s": round(parallel_checks(hashed, samples), 2),
    }


def parallel_checks(hashed: str, samples: int) -> float:
    """Checks per second with one thread per core checking at once (bcrypt drops the GIL)."""
    per_thread = max(1, samples // cores())

    def work() -> None:
        for _ in range(per_thread):
            passwords.check_password(SEED_PASSWORD, hashed)

    threads = [threading.Thread(target=work) for _ in range(cores())]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per_thread * cores() / (time.perf_counter() - start)


def bench_signin(
    server: Gunicorn,
    names: list[str],
    concurrency: int,
    seconds: float,
    ceiling: float | None,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """Sign in as random seeded users at fixed concurrency for `seconds` (CPU by `meter`)."""
    spec = {
        "mode": "signin",
        "port": server.port,
        "concurrency": concurrency,
        "seconds": seconds,
        "users": names,
        "password": SEED_PASSWORD,
    }
    before = meter.read() if meter else None
    got = load(spec)
    after = meter.read() if meter else None
    # The rate counts sign-ins completed within the window; latency counts every one.
    done = got["in_window"].get("signin 302", 0)
    result = {
        "users": len(names),
        "concurrency": concurrency,
        "seconds": got["seconds"],
        "signins": got["statuses"].get("signin 302", 0),
        "other_answers": {k: v for k, v in got["statuses"].items() if k != "signin 302"},
        "errors": got["errors"],
        "per_s": round(done / got["seconds"], 2),
        "p50_ms": _r(got["p50_ms"]),
        "p95_ms": _r(got["p95_ms"]),
        "p99_ms": _r(got["p99_ms"]),
    }
    if meter:
        # Per sign-in completed at any time: the CPU was read around the whole load run.
        result["cpu_ms_per_signin"] = meter.per_request(before, after, result["signins"])
    if ceiling:
        result["ratio_to_ceiling"] = round(result["per_s"] / ceiling, 3)
        result["target"] = 0.95
        result["met"] = result["ratio_to_ceiling"] >= 0.95
    return result


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def run(settings: dict[str, Any], out: Path, workdir: Path) -> dict[str, Any]:
    """Run every benchmark with `settings`; write `out/latest.json` and `out/latest.png`."""
    started = time.monotonic()
    n = cores()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {**settings, "workers": n, "signin_concurrency": 4 * n},
    }
    print(f"bcrypt: {settings['bcrypt_samples']} checks at {settings['rounds']} rounds", flush=True)
    report["bcrypt"] = bench_bcrypt(settings["rounds"], settings["bcrypt_samples"])
    ceiling = report["bcrypt"]["ceiling_per_s"]

    database = Database(workdir)
    server = None
    try:
        database.start()
        report["database"] = database.label
        db.ensure_indexes(database.db, INDEXES)
        names = seed_users(database.db, settings["users"], settings["rounds"])
        server = Gunicorn(database.uri, workdir, n, settings["threads"], settings["rounds"])
        server.start()
        print(f"gunicorn: {n} gthread workers x {settings['threads']} threads", flush=True)
        bench_signin(server, names, 4 * n, settings["warmup_s"], None)  # warm-up, not kept
        print(f"sign-in: {settings['signin_s']} s at concurrency {4 * n}", flush=True)
        meter = meter_for(database, server)
        report["signin"] = bench_signin(server, names, 4 * n, settings["signin_s"], ceiling, meter)
        cpu = report["signin"]["cpu_ms_per_signin"]
        if "total" in cpu:
            # What a sign-in costs beyond its one bcrypt check: the overhead budget.
            cpu["non_bcrypt"] = round(cpu["total"] - report["bcrypt"]["median_ms"], 3)

        print("pages: /healthz, /user, /api/v1/me", flush=True)
        cookies = signed_in_cookies(server.port, names[0], SEED_PASSWORD)
        report["pages"] = bench_pages(server, cookies, settings["pages_s"], meter)

        print(f"scale: {settings['users']} then {settings['scale_users']} users", flush=True)
        small = bench_signin(server, names, n, settings["scale_s"], None)
        more = settings["scale_users"] - settings["users"]
        names += seed_users(database.db, more, settings["rounds"], start=len(names))
        big = bench_signin(server, names, n, settings["scale_s"], None)
        report["scale"] = {
            "concurrency": n,
            "small": small,
            "large": big,
            "p50_ratio": round(big["p50_ms"] / small["p50_ms"], 3)
            if big["p50_ms"] and small["p50_ms"]
            else None,
            "target": 1.10,
        }
        if report["scale"]["p50_ratio"] is not None:
            report["scale"]["met"] = report["scale"]["p50_ratio"] <= 1.10

        workers = server.memory()
        report["memory"] = {
            "workers": workers,
            "max_peak_rss_mb": max((w["peak_rss_mb"] for w in workers), default=None),
        }
    finally:
        if server is not None:
            server.stop()
        database.stop()
    report["duration_s"] = round(time.monotonic() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    chart.draw(report, out / "latest.png")
    return report


def summary(report: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    b, s, p = report["bcrypt"], report["signin"], report["pages"]
    lines = [
        f"bcrypt {b['rounds']} rounds: {b['median_ms']} ms/check, "
        f"ceiling {b['ceiling_per_s']} sign-ins/s on {b['cores']} cores "
        f"({b['parallel_checks_per_s']}/s measured with a thread per core)",
        f"sign-in: {s['per_s']}/s ({s['ratio_to_ceiling']} of ceiling), p50 {s['p50_ms']} ms, "
        f"p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms",
    ]
    if "cpu_ms_per_signin" in s:
        lines.append("  CPU per sign-in: " + _cpu(s["cpu_ms_per_signin"]))
    for path, r in p["routes"].items():
        lines.append(f"GET {path}: " + (r["missing"] if "missing" in r else f"{r['per_s']}/s"))
        if "cpu_ms_per_request" in r:
            lines.append("  CPU per request: " + _cpu(r["cpu_ms_per_request"]))
    sc = report["scale"]
    lines.append(
        f"scale: p50 {sc['small']['p50_ms']} ms at {sc['small']['users']} users, "
        f"{sc['large']['p50_ms']} ms at {sc['large']['users']} (ratio {sc['p50_ratio']})"
    )
    lines.append(f"peak RSS per worker: {report['memory']['max_peak_rss_mb']} MB")
    lines.append(f"took {report['duration_s']} s")
    return "\n".join(lines)


def _cpu(cpu: dict[str, Any]) -> str:
    """One line of CPU ms by party, as `summary` prints it."""
    if "total" not in cpu:
        return "not measured (no request completed)"
    parts = []
    for party in ("database", "app", "load", "total", "non_bcrypt"):
        if party in cpu:
            value = cpu[party]
            parts.append(f"{party} " + ("not measured" if value is None else f"{value} ms"))
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, cheap hashes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json goes")
    parser.add_argument("--rounds", type=int, help="bcrypt rounds (default: the app's)")
    parser.add_argument("--signin-seconds", type=float, help="length of the sign-in run")
    args = parser.parse_args(argv)
    settings = dict(SMOKE if args.smoke else FULL)
    if args.rounds:
        settings["rounds"] = args.rounds
    if args.signin_seconds:
        settings["signin_s"] = args.signin_seconds
    with tempfile.TemporaryDirectory(prefix="flaskr-bench-") as tmp:
        report = run(settings, args.out, Path(tmp))
    print(summary(report))
    print(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.png'}")
    # Only a full run into the project's results updates the README's table.
    if not args.smoke and args.out.resolve() == RESULTS:
        readme = RESULTS.parent.parent / "README.md"
        if table.update_readme(readme, report):
            print(f"updated the benchmark table in {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench-forgot`: does "Forgot your password?" answer as fast for an address that has an
account as for one that has none? Timed over a real socket against gunicorn and SecantusDB.

Requests alternate between a confirmed address and an unknown one, each from a fresh
connection, with a pause between them so the work the app does after answering (looking the
account up and queueing its link) never overlaps the next request. The per-address and
per-client limits are lifted, or the known address would soon be refused and cost nothing.
Writes `benchmarks/results/forgot.json`: both distributions, the difference of the medians,
and a check that every answer was the same page and every known request queued a link.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flaskr import db
from flaskr.identity import addresses

from .harness import INDEXES, Database, machine, seed_users
from .loadgen import Client
from .server import Gunicorn

RESULTS = Path(__file__).resolve().parent / "results"
KNOWN, UNKNOWN = "known.person@example.com", "nobody.here@example.com"
TOKEN_RE = re.compile(rb'name="csrf_token"[^>]*value="[^"]+"')
LIFTED = {
    "FLASKR_FORGOT_RATE_LIMIT": "1000000000 per hour",
    "FLASKR_FORGOT_RATE_LIMIT_PER_IP": "1000000000 per hour",
}


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {
        "samples": len(values),
        "median_ms": round(statistics.median(values) * 1000, 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
        "stdev_ms": round(statistics.stdev(values) * 1000, 3) if len(values) > 1 else 0.0,
        "p10_ms": at(0.10),
        "p90_ms": at(0.90),
    }


def ask(port: int, address: str) -> tuple[float, int, bytes]:
    """One forgot request from a new browser: seconds until the whole answer arrived."""
    client = Client(port, 30)
    token = client.csrf_token("/auth/forgot")
    start = time.perf_counter()
    status, _, page = client.request(
        "POST", "/auth/forgot", {"email": address, "csrf_token": token}
    )
    took = time.perf_counter() - start
    client.close()
    return took, status, TOKEN_RE.sub(b"", page)


def measure(port: int, samples: int, pause: float) -> dict[str, Any]:
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    answers: set[tuple[int, bytes]] = set()
    for i in range(2 * samples):
        address = (KNOWN, UNKNOWN)[i % 2]
        took, status, page = ask(port, address)
        times[address].append(took)
        answers.add((status, page))
        time.sleep(pause)
    known, unknown = _ms(times[KNOWN]), _ms(times[UNKNOWN])
    return {
        "known": known,
        "unknown": unknown,
        "median_difference_ms": round(known["median_ms"] - unknown["median_ms"], 3),
        "distinct_answers": len(answers),
        "status": sorted({status for status, _ in answers}),
    }


def work_after_answer(uri: str, samples: int) -> dict[str, Any]:
    """What the app does once it has answered, timed in-process for each address: the gap an
    attacker would see if it were done before answering."""
    from flaskr import create_app
    from flaskr.identity import recovery
    from flaskr.identity.audit import Actor
    from flaskr.web.context import settings

    app = create_app({"MONGO_URI": uri, "SECRET_KEY": "bench-" + "x" * 32, "BCRYPT_ROUNDS": 4})
    logging.getLogger("flaskr.audit").setLevel(logging.WARNING)  # one line per request: noise
    actor = Actor.self("127.0.0.1", "bench")
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    try:
        with app.test_request_context():
            rules = settings()
            for i in range(2 * samples):
                address = (KNOWN, UNKNOWN)[i % 2]
                start = time.perf_counter()
                recovery.request_reset(address, actor=actor, settings=rules)
                times[address].append(time.perf_counter() - start)
    finally:
        app.extensions["flaskr.mongo"].close()
    known, unknown = _ms(times[KNOWN]), _ms(times[UNKNOWN])
    return {
        "known": known,
        "unknown": unknown,
        "median_difference_ms": round(known["median_ms"] - unknown["median_ms"], 3),
    }


def run(workdir: Path, samples: int) -> dict[str, Any]:
    """Start a database and gunicorn in `workdir`, measure, stop both; return the figures."""
    database = Database(workdir)
    database.start()
    server = Gunicorn(database.uri, workdir, 1, 4, 4, LIFTED)
    try:
        db.ensure_indexes(database.db, INDEXES)
        [name] = seed_users(database.db, 1, 4, prefix="known")
        database.db.users.update_one(
            {"username": name}, {"$set": {"email": KNOWN, "email_key": addresses.key(KNOWN)}}
        )
        server.start()
        ask(server.port, UNKNOWN)  # warm up: first connection, indexes, templates
        figures = {"database": database.label, **measure(server.port, samples, 0.05)}
        # Every known request did its work, after its answer.
        time.sleep(0.5)
        figures["links_queued"] = database.db.outbox.count_documents({"kind": "reset"})
        figures["work_after_answer"] = work_after_answer(database.uri, min(samples, 100))
        return figures
    finally:
        server.stop()
        database.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.forgot", description=__doc__)
    parser.add_argument("--samples", type=int, default=300, help="requests per address")
    parser.add_argument("--smoke", action="store_true", help="a few samples, for the tests")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where forgot.json goes")
    args = parser.parse_args(argv)
    samples = 5 if args.smoke else args.samples
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"samples": samples, "pause_s": 0.05, "workers": 1, "threads": 4},
    }
    with tempfile.TemporaryDirectory(prefix="flaskr-forgot-") as tmp:
        report.update(run(Path(tmp), samples))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "forgot.json").write_text(json.dumps(report, indent=2) + "\n")
    k, u = report["known"], report["unknown"]
    print(
        f"forgot: known {k['median_ms']} ms (p90 {k['p90_ms']}), unknown {u['median_ms']} ms "
        f"(p90 {u['p90_ms']}), median difference {report['median_difference_ms']} ms over "
        f"{samples} each; {report['distinct_answers']} distinct answer(s); "
        f"{report['links_queued']} links queued; the work done after answering takes "
        f"{report['work_after_answer']['known']['median_ms']} ms for a known address, "
        f"{report['work_after_answer']['unknown']['median_ms']} ms for an unknown one"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

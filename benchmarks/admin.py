"""`make bench-admin`: how long each admin page takes to make, with many users and events.

The app runs in this process (Flask's test client, no server or network in between) on a real
database (SecantusDB, or MONGO_URI's server) seeded with `--users` users and `--events` audit
events spread over the last week; an administrator's browser asks for each page `--samples`
times. The figures are the server's whole work for a page (every query and the template),
which is what the request's database budget (MONGO_TIMEOUT_MS) has to cover. Writes
`benchmarks/results/admin.json`; `--smoke` runs it small, for the tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flaskr import create_app, db
from flaskr.identity import audit, clock

from .harness import INDEXES, SEED_PASSWORD, Database, machine, seed_users

RESULTS = Path(__file__).resolve().parent / "results"
# Two sizes, ten times apart: which pages cost more with more data, and which do not.
FULL = [
    {"users": 2_000, "events": 10_000, "samples": 15},
    {"users": 20_000, "events": 100_000, "samples": 15},
]
SMOKE = [{"users": 300, "events": 2_000, "samples": 2}]
EVENTS = ["sign_in", "sign_in", "sign_in", "sign_out", "sign_in_failed", "password_changed"]


def seed_events(database: Any, names: list[str], count: int) -> None:
    """`count` events about random users, at random times in the last 7 days."""
    ids = [u["_id"] for u in database.users.find({"username": {"$in": names}}, {"_id": 1})]
    now, rng = clock.now(), random.Random(14)
    batch: list[dict[str, Any]] = []
    for i in range(count):
        at = now - timedelta(seconds=rng.randrange(7 * 86400))
        batch.append(
            {
                "user_id": rng.choice(ids),
                "event": rng.choice(EVENTS),
                "actor": "self",
                "ip": f"198.51.100.{i % 250}",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                "at": at,
                "expires_at": at + timedelta(days=90),
            }
        )
        if len(batch) == 5000:
            database.auth_events.insert_many(batch, ordered=False)
            batch = []
    if batch:
        database.auth_events.insert_many(batch, ordered=False)
    # The overview's hour counters, as audit.record keeps them while the events happen.
    hours: dict[tuple[str, datetime], int] = {}
    for event in database.auth_events.find(
        {"event": {"$in": list(audit.COUNTED)}}, {"event": 1, "at": 1}
    ):
        key = (event["event"], event["at"].replace(minute=0, second=0, microsecond=0))
        hours[key] = hours.get(key, 0) + 1
    database.audit_hours.insert_many(
        [
            {
                "_id": f"{e}|{h.isoformat()}",
                "event": e,
                "hour": h,
                "n": n,
                "expires_at": h + audit.HOURS_KEPT,
            }
            for (e, h), n in hours.items()
        ]
    )


def pages(client: Any, some_user: str, some_id: str) -> dict[str, str]:
    """The pages to time, by name: each admin page, and the trail under each filter."""
    first = client.get("/admin/users?q=user0").get_data(as_text=True)
    after = first.split('rel="next"')[0].rsplit('href="', 1)[-1].split('"')[0]
    return {
        "overview": "/admin",
        "users_first_page": "/admin/users",
        "users_search": "/admin/users?q=user01",
        "users_next_page": after.replace("&amp;", "&"),
        "one_user": f"/admin/users/{some_id}",
        "trail_newest": "/admin/audit",
        "trail_by_event": "/admin/audit?event=sign_in_failed",
        "trail_by_address": "/admin/audit?ip=198.51.100.7",
        "trail_by_user": f"/admin/audit?user={some_user}",
        "trail_csv_one_user": f"/admin/audit.csv?user={some_user}",
    }


def timed(client: Any, path: str, samples: int) -> dict[str, float]:
    took = []
    for _ in range(samples):
        start = time.perf_counter()
        response = client.get(path)
        body = response.get_data()  # a streamed CSV is made while it is read
        took.append(time.perf_counter() - start)
        if response.status_code != 200 or not body:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {
        "median_ms": round(statistics.median(took) * 1000, 2),
        "max_ms": round(max(took) * 1000, 2),
    }


def run(workdir: Path, settings: dict[str, int]) -> dict[str, Any]:
    database = Database(workdir)
    database.start()
    try:
        db.ensure_indexes(database.db, INDEXES)
        names = seed_users(database.db, settings["users"], 4)
        seed_events(database.db, names, settings["events"])
        admin = names[0]
        database.db.users.update_one({"username": admin}, {"$set": {"roles": ["admin"]}})
        database.db.counters.insert_one({"_id": "active_admins", "count": 1})
        app = create_app(
            {
                "MONGO_URI": database.uri,
                "SECRET_KEY": "bench-" + "x" * 32,
                "BCRYPT_ROUNDS": 4,
                # The bench's administrator has no authenticator app to read codes from.
                "ADMIN_REQUIRES_TWO_FACTOR": False,
                # What each page costs is the question, not whether it fits the default budget.
                "MONGO_TIMEOUT_MS": 60_000,
            }
        )
        logging.getLogger("flaskr").setLevel(logging.WARNING)  # a log line per request: noise
        client = app.test_client()
        token = client.get("/auth/login").get_data(as_text=True)
        csrf = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/auth/login", data={"username": admin, "password": SEED_PASSWORD, "csrf_token": csrf}
        )
        some = names[len(names) // 2]
        some_id = str(database.db.users.find_one({"username": some})["_id"])
        paths = pages(client, some, some_id)
        for path in paths.values():
            timed(client, path, 1)  # warm up: templates, the first connection
        figures = {name: timed(client, path, settings["samples"]) for name, path in paths.items()}
        app.extensions["flaskr.mongo"].close()
        return {"database": database.label, **settings, "pages": figures}
    finally:
        database.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.admin", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small, for the tests")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where admin.json goes")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "runs": [],
    }
    for settings in sizes:
        with tempfile.TemporaryDirectory(prefix="flaskr-admin-") as tmp:
            report["runs"].append(run(Path(tmp), settings))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "admin.json").write_text(json.dumps(report, indent=2) + "\n")
    for done in report["runs"]:
        print(f"{done['users']} users, {done['events']} events:")
        for name, figures in done["pages"].items():
            print(f"  {name}: {figures['median_ms']} ms (max {figures['max_ms']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

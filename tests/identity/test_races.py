"""Concurrent registrations on a real server: the unique index decides, exactly one wins."""

from __future__ import annotations

import itertools
import threading

import pytest

from tests.support.web import PASSWORD, csrf_token, page_text

pytestmark = pytest.mark.realdb

THREADS = 20
FULLWIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"  # NFKC: "alice"


def case_variants(name: str, count: int) -> list[str]:
    spellings = ("".join(p) for p in itertools.product(*((c.lower(), c.upper()) for c in name)))
    return list(itertools.islice(spellings, count))


def test_twenty_concurrent_registrations_of_one_name(app, db):
    names = [*case_variants("alice", THREADS - 1), FULLWIDTH_ALICE]
    assert len(set(names)) == THREADS
    clients = [app.test_client() for _ in names]
    for i, client in enumerate(clients):
        # Twenty people, twenty addresses: REGISTER_RATE_LIMIT counts per address.
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
    tokens = [csrf_token(c, "/auth/register") for c in clients]
    barrier = threading.Barrier(THREADS)
    results: dict[str, object] = {}

    def register(client, token, name):
        barrier.wait(30)
        try:
            results[name] = client.post(
                "/auth/register",
                data={"username": name, "password": PASSWORD, "csrf_token": token},
            )
        except Exception as e:  # reported below, with the name
            results[name] = e

    threads = [
        threading.Thread(target=register, args=args)
        for args in zip(clients, tokens, names, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    statuses = {name: getattr(r, "status_code", r) for name, r in results.items()}
    winners = [name for name, status in statuses.items() if status == 302]
    assert len(winners) == 1, statuses
    losers = [r for name, r in results.items() if name not in winners]
    assert all(r.status_code == 409 for r in losers), statuses
    assert all("That username is already taken." in page_text(r) for r in losers)
    stored = list(db.users.find({}, {"username": 1, "username_key": 1}))
    assert [(u["username"], u["username_key"]) for u in stored] == [(winners[0], "alice")]


def test_concurrent_sign_ins_of_one_user_make_separate_sessions(app, db, alice):
    clients = [app.test_client() for _ in range(8)]
    tokens = [csrf_token(c) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def login(client, token):
        barrier.wait(30)
        data = {"username": "alice", "password": PASSWORD, "csrf_token": token}
        statuses.append(client.post("/auth/login", data=data).status_code)

    threads = [threading.Thread(target=login, args=a) for a in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [302] * len(clients)
    assert db.sessions.count_documents({}) == len(clients)
    assert all(c.get("/user").status_code == 200 for c in clients)

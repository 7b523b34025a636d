"""The last-admin rule under concurrency, on the real server: two departures of the last two
administrators at once, and a storm of grants, revocations, disables and enables."""

from __future__ import annotations

import random
import threading

import pytest

from flaskr.db import collection
from flaskr.identity import accounts, admins, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.support.threads import together
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb

ROUNDS = 8


def revoke(app, name):
    return accounts.revoke_role(users.find_user(name), "admin", actor=CLI, settings=settings())


def disable(app, name):
    return accounts.disable_account(users.find_user(name), actor=CLI, settings=settings())


def delete(app, name):
    return accounts.delete_account(users.find_user(name), actor=CLI, settings=settings())


def two_admins(app):
    with app.app_context():
        for name in ("alice", "bob"):
            user = users.find_user(name)
            if user is None:
                user = accounts.create_account(name, PASSWORD, actor=CLI, settings=settings())
            accounts.enable_account(user, actor=CLI, settings=settings())
            accounts.grant_role(user, "admin", actor=CLI, settings=settings())
        assert (users.count_active_admins(), admins.count()) == (2, 2)


@pytest.mark.parametrize(
    "first, second",
    [(revoke, revoke), (disable, disable), (delete, delete), (revoke, disable), (disable, delete)],
    ids=lambda f: f.__name__,
)
def test_of_two_racing_departures_of_the_last_two_admins_one_is_refused(app, first, second):
    for _ in range(ROUNDS):
        two_admins(app)
        results = together(lambda: first(app, "alice"), lambda: second(app, "bob"), app=app)
        refused = [r for r in results if isinstance(r, accounts.LastAdmin)]
        assert len(refused) == 1, results
        assert not any(isinstance(r, Exception) and r not in refused for r in results), results
        with app.app_context():
            assert (users.count_active_admins(), admins.count()) == (1, 1)


def test_a_storm_of_role_changes_never_leaves_no_admin_and_counts_right(app):
    names = ["alice", "bob", "carol", "dave"]
    with app.app_context():
        for name in names:
            user = accounts.create_account(name, PASSWORD, actor=CLI, settings=settings())
            accounts.grant_role(user, "admin", actor=CLI, settings=settings())
    stop = threading.Event()
    lows: list[int] = []

    def watch():
        with app.app_context():
            while not stop.is_set():
                lows.append(users.count_active_admins())

    def churn(seed):
        rng = random.Random(seed)
        with app.app_context():
            for _ in range(25):
                user = users.find_user(rng.choice(names))
                change = rng.choice(
                    [accounts.grant_role, accounts.revoke_role, "disable", "enable"]
                )
                try:
                    if change == "disable":
                        accounts.disable_account(user, actor=CLI, settings=settings())
                    elif change == "enable":
                        accounts.enable_account(user, actor=CLI, settings=settings())
                    else:
                        change(user, "admin", actor=CLI, settings=settings())
                except accounts.LastAdmin:
                    pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    workers = [threading.Thread(target=churn, args=(seed,)) for seed in range(6)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)
    stop.set()
    watcher.join(30)
    assert not any(t.is_alive() for t in [*workers, watcher])
    assert lows and min(lows) >= 1
    with app.app_context():
        # Nothing in flight now: the guarded count is exactly the true number.
        docs = list(collection("users").find({}, {"username": 1, "roles": 1, "disabled": 1}))
        assert admins.count() == users.count_active_admins() >= 1, docs

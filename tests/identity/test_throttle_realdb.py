"""Throttling on the real server: atomic under parallel attempts, swept by TTL, on the real
clock (counters shared by two gunicorn processes: tests/deploy/test_scale_out.py)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from flaskr.identity import passwords
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import PASSWORD, csrf_token, post_login

from .test_throttle import WRONG, assert_locked, fail


@pytest.mark.realdb
def test_twenty_parallel_guesses_reach_the_password_check_at_most_five_times(
    backend, make_app, monkeypatch
):
    # A generous database budget: on a loaded machine the tests' 2 s budget (queued bcrypt
    # included) could end an attempt with 503, which is the budget's rule, not the throttle's.
    app = make_app(MONGO_TIMEOUT_MS=20000)
    add_user(app)
    checks = []
    real_check = passwords.check_password

    def counting_check(*args, **kw):
        checks.append(1)
        return real_check(*args, **kw)

    monkeypatch.setattr(passwords, "check_password", counting_check)
    clients = [app.test_client() for _ in range(20)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(20)
    statuses: list[int] = []

    def guess(client, token):
        start.wait()
        form = {"username": "alice", "password": WRONG, "csrf_token": token}
        response = client.post("/auth/login", data=form, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(checks) <= app.config["LOGIN_MAX_FAILURES"]
    assert sorted(statuses) == [401] * len(checks) + [429] * (20 - len(checks))
    assert_locked(post_login(app.test_client(), "alice", PASSWORD))


@pytest.mark.realdb
def test_a_short_lockout_expires_on_the_real_clock(backend, make_app):
    app = make_app(LOGIN_LOCKOUT_SECONDS=1)
    client = app.test_client()
    add_user(app)
    fail(client, "alice", 5)
    assert_locked(post_login(client, "alice", PASSWORD), 1)
    time.sleep(1.1)
    assert post_login(client, "alice", PASSWORD).status_code == 302


@pytest.mark.realdb
def test_ttl_indexes_exist_with_the_right_expiry(backend, db):
    assert db.login_failures.index_information()["until_ttl"]["expireAfterSeconds"] == 0
    events = db.auth_events.index_information()
    assert events["expires_at_ttl"]["expireAfterSeconds"] == 0
    assert events["user_id_at"]["key"] == [("user_id", 1), ("at", -1)]
    assert db.sessions.index_information()["expires_at_ttl"]["expireAfterSeconds"] == 0


@pytest.mark.realdb
def test_counter_documents_expire_when_their_window_ends(backend, make_app, clock):
    at = clock.at
    app = make_app(LOGIN_LOCKOUT_SECONDS=900)
    fail(app.test_client(), "alice", 1)
    # What the TTL index sweeps: `until`, the end of the window, computed in Python.
    stored = db_of(app).login_failures.find()
    assert [c["until"] for c in stored] == [at + timedelta(seconds=900)] * 2


@pytest.mark.realdb
def test_parallel_correct_sign_ins_wait_for_each_other_instead_of_429(backend, make_app):
    app = make_app(LOGIN_MAX_FAILURES=2)
    add_user(app)
    clients = [app.test_client() for _ in range(6)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def sign_in(client, token):
        start.wait()
        form = {"username": "alice", "password": PASSWORD, "csrf_token": token}
        statuses.append(client.post("/auth/login", data=form).status_code)

    threads = [
        threading.Thread(target=sign_in, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Places held by attempts in flight are not failures: nobody is told to wait 15 minutes.
    assert statuses == [302] * 6

"""Brute-force throttling: per username (existing or not) and per address, kept in MongoDB."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest

from flaskr.identity import clock as app_clock
from flaskr.identity import throttle, users
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import PASSWORD, csrf_token, post_login

WRONG = PASSWORD + "-wrong"
LOCKED = re.compile(r"Too many failed sign-in attempts\. Please try again in (\d+) minutes?\.")


def fail(client, username: str, times: int, ip: str = "198.51.100.7") -> list[int]:
    return [post_login(client, username, WRONG, ip=ip).status_code for _ in range(times)]


def assert_locked(response, lockout_seconds: int = 900) -> int:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= lockout_seconds
    match = LOCKED.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    assert int(match.group(1)) == math.ceil(retry_after / 60)
    return retry_after


@pytest.mark.db
def test_five_failures_lock_the_username_even_for_the_right_password(app, client, alice):
    assert fail(client, "alice", 5) == [401] * 5
    response = post_login(client, "alice", PASSWORD)
    assert assert_locked(response) > 890
    assert "15 minutes" in response.get_data(as_text=True)
    assert client.get("/user").status_code == 302


@pytest.mark.db
def test_unknown_username_is_locked_the_same_way(app, client, alice, clock):
    # One frozen clock: both lockouts start at the same instant, so their waits must match
    # to the second (with a running clock they may straddle a second boundary).
    fail(client, "alice", 5)
    fail(client, "nobody", 5)
    known, unknown = post_login(client, "alice", WRONG), post_login(client, "nobody", WRONG)
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert LOCKED.search(unknown.get_data(as_text=True))


@pytest.mark.db
def test_the_counter_ignores_case_and_width(app, client, alice):
    fail(client, "Alice", 2)
    fail(client, "ALICE", 2)
    fail(client, "\uff21lice", 1)
    assert_locked(post_login(client, "alice", PASSWORD))


@pytest.mark.db
def test_success_resets_the_username_counter(app, client, alice):
    fail(client, "alice", 4)
    assert post_login(client, "alice", PASSWORD).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert fail(client, "alice", 4) == [401] * 4
    assert post_login(client, "alice", PASSWORD).status_code == 302


@pytest.mark.db
def test_one_address_spraying_many_usernames_is_stopped(make_app):
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=3)
    client = app.test_client()
    add_user(app, "bob")
    assert [post_login(client, f"user{i}", WRONG).status_code for i in range(3)] == [401] * 3
    # The fourth attempt from that address is refused before any password is checked...
    assert_locked(post_login(client, "bob", PASSWORD))
    # ...while another address still gets in.
    assert post_login(client, "bob", PASSWORD, ip="203.0.113.9").status_code == 302


@pytest.mark.db
def test_a_locked_username_does_not_use_up_the_address(make_app):
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_MAX_FAILURES_PER_IP=5)
    client = app.test_client()
    add_user(app, "bob")
    fail(client, "alice", 2)
    # Refused attempts never reach the password check, so they cost the address nothing.
    assert [post_login(client, "alice", WRONG).status_code for _ in range(5)] == [429] * 5
    assert fail(client, "carol", 2) == [401, 401]
    assert post_login(client, "bob", PASSWORD).status_code == 302


@pytest.mark.db
def test_counters_are_keyed_without_the_typed_username(client, db):
    fail(client, "my-secret-password-typed-here", 1)
    stored = list(db.login_failures.find())
    assert {d["_id"] for d in stored} == {
        throttle.user_counter(users.username_key("my-secret-password-typed-here")),
        "ip:198.51.100.7",
    }
    assert "secret" not in str(stored)


@pytest.mark.db
def test_the_lockout_ends_after_the_window(make_app, clock):
    app = make_app(LOGIN_LOCKOUT_SECONDS=60)
    client = app.test_client()
    add_user(app)
    fail(client, "alice", 5)
    assert_locked(post_login(client, "alice", PASSWORD), 60)
    clock.advance(seconds=61)
    assert post_login(client, "alice", PASSWORD).status_code == 302


@pytest.mark.db
def test_places_held_in_flight_ask_for_a_moment_not_a_lockout(app):
    limits = throttle.Limits(per_user=2, per_ip=50, window=timedelta(minutes=15), patience=0.1)
    budget = throttle.Budget.of("alice", "192.0.2.1", limits)
    with app.app_context():
        at = app_clock.now()
        for _ in range(2):  # two attempts whose password checks have not finished
            throttle.reserve(budget, now=at, limits=limits)
        with pytest.raises(throttle.Throttled) as busy:
            throttle.reserve(budget, now=at, limits=limits)
        assert busy.value.retry_after == 1
        for _ in range(2):
            throttle.record_failure(budget, now=at, limits=limits)
        with pytest.raises(throttle.Throttled) as locked:
            throttle.reserve(budget, now=at, limits=limits)
        assert locked.value.retry_after == 900


def test_limits_come_from_flaskr_environment_variables(make_app, monkeypatch):
    monkeypatch.setenv("FLASKR_LOGIN_MAX_FAILURES", "2")
    monkeypatch.setenv("FLASKR_LOGIN_LOCKOUT_SECONDS", "120")
    app = make_app()
    client = app.test_client()
    add_user(app)
    assert fail(client, "alice", 2) == [401, 401]
    assert assert_locked(post_login(client, "alice", PASSWORD), 120) > 110
    assert "2 minutes" in post_login(client, "alice", PASSWORD).get_data(as_text=True)


@pytest.mark.db
def test_failures_from_an_ended_window_do_not_carry_over(make_app, clock):
    app = make_app(LOGIN_MAX_FAILURES=2, LOGIN_LOCKOUT_SECONDS=60)
    client = app.test_client()
    add_user(app)
    assert fail(client, "alice", 1) == [401]
    # The window is over, but its counter is still stored (the TTL sweep has not run).
    clock.advance(seconds=61)
    assert db_of(app).login_failures.count_documents({}) == 2
    assert fail(client, "alice", 1) == [401]
    assert post_login(client, "alice", PASSWORD).status_code == 302

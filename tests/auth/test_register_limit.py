"""Registration is rate-limited per client address (Flask-Limiter on the app's database)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.database import db_of
from tests.support.web import PASSWORD, AuthActions, csrf_token


def register(client, username: str, ip: str = "198.51.100.7"):
    return AuthActions(client).register(username, environ_base={"REMOTE_ADDR": ip})


@pytest.mark.db
def test_registrations_per_address_are_limited(make_app):
    app = make_app(REGISTER_RATE_LIMIT="3 per hour")
    db = db_of(app)
    client = app.test_client()
    assert [register(client, f"user{i}").status_code for i in range(3)] == [302] * 3
    refused = register(client, "user3")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # How long to wait, in minutes, like a throttled sign-in says it.
    said = re.search(
        r"Too many registrations from your address\. Please try again in (\d+) minutes\.",
        refused.get_data(as_text=True),
    )
    assert said
    assert abs(int(said.group(1)) - int(refused.headers["Retry-After"]) / 60) <= 1
    assert "<title>Error: Too many requests · flaskr</title>" in refused.get_data(as_text=True)
    assert db.users.count_documents({}) == 3
    # Another address may still register, and viewing the form is never limited.
    assert register(client, "user4", ip="203.0.113.9").status_code == 302
    viewer = app.test_client()  # `client` is signed in: it would go to its user page
    assert (
        viewer.get("/auth/register", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
        == 200
    )


@pytest.mark.realdb
def test_the_registration_limit_is_shared_by_app_instances(backend, make_app):
    first, second = (
        make_app(REGISTER_RATE_LIMIT="2 per hour"),
        make_app(REGISTER_RATE_LIMIT="2 per hour"),
    )
    assert register(first.test_client(), "user0").status_code == 302
    assert register(second.test_client(), "user1").status_code == 302
    assert register(first.test_client(), "user2").status_code == 429
    db = db_of(first)
    # Counted in the app's own database, swept by a TTL index.
    assert db.rate_limits.count_documents({}) == 1
    assert db.rate_limits.index_information()["expireAt_ttl"]["expireAfterSeconds"] == 0


@pytest.mark.db
def test_forwarded_for_is_ignored_unless_proxies_are_trusted(make_app):
    app = make_app(REGISTER_RATE_LIMIT="1 per hour")
    client = app.test_client()
    spoofed = {"X-Forwarded-For": "203.0.113.50"}
    assert register(client, "user0").status_code == 302
    # Without trusted proxies a forged header does not buy a fresh address.
    client.environ_base["HTTP_X_FORWARDED_FOR"] = spoofed["X-Forwarded-For"]
    assert register(client, "user1").status_code == 429


@pytest.mark.db
def test_a_trusted_proxy_supplies_the_client_address(make_app):
    app = make_app(REGISTER_RATE_LIMIT="1 per hour", TRUSTED_PROXIES=1)
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.50"
    assert register(client, "user0").status_code == 302
    assert register(client, "user1").status_code == 429
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.51"
    assert register(client, "user2").status_code == 302


@pytest.mark.realdb
def test_the_limiter_storage_is_the_apps_database(backend, app, db):
    from flaskr.extensions import limiter

    with app.app_context():
        assert limiter.storage.check()
        assert limiter.storage.storage is db.client


def test_disabling_the_limiter_in_one_app_does_not_disable_it_in_the_next(make_app):
    make_app(RATELIMIT_ENABLED=False)
    client = make_app(REGISTER_RATE_LIMIT="1 per hour").test_client()
    assert [register(client, name).status_code for name in ("user0", "user1")] == [302, 429]


def api_register(client, username: str):
    token = client.get("/api/v1/csrf").get_json()["csrf_token"]
    body = {"username": username, "password": PASSWORD}
    return client.post("/api/v1/register", json=body, headers={"X-CSRFToken": token})


@pytest.mark.db
def test_the_form_and_the_api_share_one_registration_budget(make_app):
    client = make_app(REGISTER_RATE_LIMIT="2 per hour").test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"  # the address register() posts from
    assert register(client, "user0").status_code == 302
    assert api_register(client, "user1").status_code == 201
    refused = api_register(client, "user2")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert register(client, "user3").status_code == 429


@pytest.mark.db
def test_taken_usernames_count_and_invalid_forms_do_not(make_app):
    client = make_app(REGISTER_RATE_LIMIT="2 per hour").test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    form = {
        "username": "x",
        "password": "short",
        "csrf_token": csrf_token(client, "/auth/register"),
    }
    for _ in range(3):
        assert client.post("/auth/register", data=form).status_code == 400  # refused anyway: free
    assert register(client, "alice").status_code == 302
    assert register(client, "ALICE").status_code == 409  # probing a name costs one
    assert register(client, "bob").status_code == 429


@pytest.mark.realdb
def test_the_storage_reads_a_counter_by_its_key_and_only_within_its_window(backend, app, db):
    # (On mongomock the limiter keeps its counters in memory.)
    from flaskr.extensions import limiter

    with app.app_context():
        storage = limiter.storage
        assert storage.incr("k", 60) == 1
        assert storage.incr("k", 60) == 2
        assert storage.get("k") == 2
        assert storage.get("unknown") == 0
        # Past its window, before the TTL monitor sweeps it: counted as nothing.
        db.rate_limits.update_one(
            {"_id": "k"}, {"$set": {"expireAt": datetime.now(UTC) - timedelta(seconds=1)}}
        )
        assert storage.get("k") == 0


@pytest.mark.realdb
def test_reading_a_counter_names_its_key_alone(backend, app, command_log):
    # With the window's end in the filter, SecantusDB's planner read the whole collection.
    from flaskr.extensions import limiter

    with app.app_context():
        limiter.storage.incr("k", 60)
        limiter.storage.get("k")
    finds = [c for c in command_log.commands if c.get("find") == "rate_limits"]
    assert [c["filter"] for c in finds] == [{"_id": "k"}]

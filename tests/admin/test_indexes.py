"""What the admin pages ask the database: every read names the leading field of an index
(an equality, or a range bounded on both sides, for the trail a stretch of time), and none
skips; on the real server, whose client reports its commands. SecantusDB reads every index
entry in a range before it keeps the first few, so a page costs what its range holds:
`make bench-admin` shows it at scale."""

from __future__ import annotations

import pytest

from flaskr.identity import users
from tests.admin.conftest import act, grant, user_id
from tests.admin.test_trail import insert_events, older
from tests.admin.test_users_list import link
from tests.support.users import add_user
from tests.support.web import post_login, signed_in_client

# Each collection's indexed fields (its indexes' leading fields), and `_id`.
INDEXED = {
    "users": {"_id", "username_key", "email_key", "roles"},
    "auth_events": {"user_id", "at", "event", "ip"},
    "sessions": {"_id", "user_id"},
    "login_failures": {"_id"},
    "counters": {"_id"},
    "outbox": {"status"},
    # A few hundred hour counters, swept after eight days: read whole.
    "audit_hours": None,
}


def bounded(condition) -> bool:
    """An equality, an `$in`, or a range with both ends (or anchored, for `_id` prefixes)."""
    if not isinstance(condition, dict):
        return True
    if "$in" in condition or "$regex" in condition:
        return True
    return bool({"$gt", "$gte"} & set(condition)) and bool({"$lt", "$lte"} & set(condition))


@pytest.fixture
def reads(command_log):
    """The find and aggregate commands the app sends from now on, on flaskr's collections."""

    class Reads:
        start = len(command_log.commands)

        def __call__(self) -> list[tuple[str, dict]]:
            found = []
            for command in command_log.commands[self.start :]:
                name = command.get("find") or command.get("aggregate")
                if name in INDEXED:
                    pipeline = command.get("pipeline") or [{"$match": command.get("filter", {})}]
                    found.append((name, pipeline[0].get("$match", {}), command))
            return found

        def clear(self) -> None:
            self.start = len(command_log.commands)

    return Reads()


@pytest.fixture
def busy(make_app, reads):
    """An administrator's browser on a service with 300 users and 600 events."""
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False)
    add_user(app, "alice")
    add_user(app, "bob")
    grant(app, "alice")
    for i in range(300):
        add_user(app, f"user{i:03d}")
    with app.app_context():
        for i in range(60):
            found = users.find_user(f"user{i:03d}")["_id"]
            users.set_pending_email(found, f"person{i:03d}@example.org")
            users.confirm_email(found, f"person{i:03d}@example.org")
    insert_events(app, "bob", 300)
    insert_events(app, "alice", 300, "sign_in")
    for _ in range(5):
        post_login(app.test_client(), "user001", "wrong-password")
    admin = signed_in_client(app, "alice")
    reads.clear()
    return app, admin


def assert_bounded(seen: list[tuple[str, dict, dict]]) -> None:
    assert seen
    for name, query, command in seen:
        assert "skip" not in command, command
        fields = INDEXED[name]
        if fields is None:
            continue
        named = [f for f in query if f in fields and bounded(query[f])]
        if name == "users" and not query:
            continue  # the list's first page, in the order of the name's unique index
        assert named, (name, query)
        if name == "auth_events" and "at" in query and "user_id" not in query:
            assert bounded(query["at"]), query  # the trail reads a stretch of time at once


@pytest.mark.realdb
def test_the_users_list_search_and_pages(busy, reads):
    _, admin = busy
    first = admin.get("/admin/users?q=user1")
    later = admin.get(link(first, "next"))
    admin.get(link(later, "prev"))
    admin.get("/admin/users")
    by_address = admin.get("/admin/users?by=address&q=person0")
    admin.get(link(by_address, "next"))
    assert_bounded(reads())


@pytest.mark.realdb
def test_the_audit_trail_each_filter_and_its_pages(busy, reads):
    _, admin = busy
    for query in [
        "",
        "event=sign_in_failed",
        "ip=203.0.113.9",
        "user=bob",
        "since=2020-01-01T00:00&until=2100-01-01T00:00",
    ]:
        first = admin.get(f"/admin/audit?{query}")
        assert first.status_code == 200
        if older(first):
            assert admin.get(older(first)).status_code == 200
        assert admin.get(f"/admin/audit.csv?{query}").status_code == 200
    assert_bounded(reads())


@pytest.mark.realdb
def test_the_overview_and_a_users_page(busy, reads):
    app, admin = busy
    assert admin.get("/admin").status_code == 200
    assert admin.get(f"/admin/users/{user_id(app, 'bob')}").status_code == 200
    assert act(admin, f"/admin/users/{user_id(app, 'user001')}/unlock").status_code == 302
    assert_bounded(reads())

"""On the real server: every query the admin area sends is served by an index, never a
collection scan (each command, as the app sent it, explained by the server), and no page
is reached with a skip."""

from __future__ import annotations

import pytest
from pymongo import monitoring

from tests.admin.conftest import act, grant, user_id
from tests.admin.test_trail import insert_events, older
from tests.admin.test_users_list import link
from tests.support.database import db_of
from tests.support.users import add_user
from tests.support.web import post_login, signed_in_client

pytestmark = pytest.mark.realdb

KEEP = ("find", "filter", "sort", "limit", "projection", "hint", "aggregate", "pipeline")


class Queries(monitoring.CommandListener):
    """The reads the app sends: find and aggregate (count_documents) commands."""

    def __init__(self):
        self.commands: list[dict] = []

    def started(self, event):
        if event.command_name in ("find", "aggregate"):
            self.commands.append({k: v for k, v in event.command.items() if k in KEEP})

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def queries(monkeypatch):
    from flaskr import db as flaskr_db

    seen = Queries()
    make_client = flaskr_db.make_client

    def listening(uri, timeout_ms=3000, listeners=None):
        return make_client(uri, timeout_ms, [*(listeners or []), seen])

    monkeypatch.setattr(flaskr_db, "make_client", listening)
    return seen


@pytest.fixture
def busy(make_app, queries):
    """An admin's browser on a service with 300 users and 600 events, queries recorded."""
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False)
    add_user(app, "alice")
    add_user(app, "bob")
    grant(app, "alice")
    for i in range(300):
        add_user(app, f"user{i:03d}")
    insert_events(app, "bob", 300)
    insert_events(app, "alice", 300, "sign_in")
    for _ in range(5):
        post_login(app.test_client(), "user001", "wrong-password")
    admin = signed_in_client(app, "alice")
    queries.commands.clear()
    return app, admin


def assert_indexed(app, commands: list[dict]) -> None:
    database = db_of(app)
    assert commands
    for command in commands:
        assert "skip" not in command
        if command.get("aggregate"):
            explained = {"aggregate": command["aggregate"], "pipeline": command["pipeline"]}
            explained["cursor"] = {}
            if "hint" in command:
                explained["hint"] = command["hint"]
        else:
            explained = command
        plan = str(database.command({"explain": explained, "verbosity": "queryPlanner"}))
        assert "COLLSCAN" not in plan, (command, plan)


def test_the_users_list_search_and_pages(busy, queries):
    app, admin = busy
    first = admin.get("/admin/users?q=user1")
    later = admin.get(link(first, "next"))
    admin.get(link(later, "prev"))
    admin.get("/admin/users")
    assert_indexed(app, queries.commands)


def test_the_audit_trail_each_filter_and_its_pages(busy, queries):
    app, admin = busy
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
    assert_indexed(app, queries.commands)


def test_the_overview_and_a_users_page(busy, queries):
    app, admin = busy
    assert admin.get("/admin").status_code == 200
    assert admin.get(f"/admin/users/{user_id(app, 'bob')}").status_code == 200
    assert act(admin, f"/admin/users/{user_id(app, 'user001')}/unlock").status_code == 302
    assert_indexed(app, queries.commands)

"""A refused (throttled) attempt costs one read and writes nothing (issue 18, point 8)."""

from __future__ import annotations

import pytest

from tests.support.users import add_user
from tests.support.web import PASSWORD, post_login

WRONG = "wrong-guess-123"


def _writes(names: list[str]) -> list[str]:
    return [n for n in names if n in {"insert", "update", "delete", "findAndModify"}]


@pytest.mark.realdb
def test_a_refusal_for_a_locked_account_is_one_read(backend, make_app, command_log):
    app = make_app()
    add_user(app)
    for _ in range(5):
        assert post_login(app.test_client(), "alice", WRONG).status_code == 401
    client = app.test_client()
    client.get("/auth/login")
    command_log.seen.clear()
    assert post_login(client, "alice", PASSWORD).status_code == 429
    sent = [(name, coll) for name, coll, _ in command_log.seen if name not in {"hello", "ping"}]
    assert sent == [("find", "login_failures")]


@pytest.mark.realdb
def test_a_refusal_for_a_locked_address_is_one_read(backend, make_app, command_log):
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=3)
    for n in range(3):
        post_login(app.test_client(), f"nobody{n}", WRONG)
    command_log.seen.clear()
    assert post_login(app.test_client(), "somebody-new", WRONG).status_code == 429
    names = command_log.names()
    assert names == ["find"]
    assert not _writes(names)


@pytest.mark.db
def test_refused_names_leave_no_counter_behind(make_app, db):
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=3)
    for n in range(3):
        post_login(app.test_client(), f"nobody{n}", WRONG)
    before = db.login_failures.count_documents({})
    for n in range(20):
        assert post_login(app.test_client(), f"fresh{n}", WRONG).status_code == 429
    assert db.login_failures.count_documents({}) == before
    assert db.login_failures.count_documents({"count": 0}) == 0


@pytest.mark.db
def test_a_successful_sign_in_leaves_no_counter_behind(make_app, db):
    app = make_app()
    add_user(app)
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302
    assert db.login_failures.count_documents({}) == 0


@pytest.mark.db
def test_refusals_are_still_logged_with_the_account(make_app, caplog):
    import logging

    app = make_app()
    user = add_user(app)
    for _ in range(5):
        post_login(app.test_client(), "alice", WRONG)
    caplog.set_level(logging.INFO, logger="flaskr.audit")
    post_login(app.test_client(), "alice", PASSWORD)
    (line,) = [r for r in caplog.records if getattr(r, "event", "") == "sign_in_throttled"]
    assert line.user_id == str(user["_id"])

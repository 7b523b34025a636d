"""`flask users set-email` and `flask users send-reset`: the door's e-mail changes for an
administrator, who never learns a password."""

from __future__ import annotations

import pytest

from flaskr.identity import users
from tests.support.email import add_user, link_path, queued
from tests.test_cli import invoke, one_line_error


@pytest.mark.db
def test_set_email_sends_a_confirmation(app, runner):
    add_user(app, "alice", None)
    result = invoke(runner, "users", "set-email", "ALICE", "alice@example.com")
    assert result.exit_code == 0, result.output
    assert "Queued a confirmation link to alice@example.com" in result.output
    [message] = queued(app, kind="confirm")
    assert message["to"] == "alice@example.com"
    assert link_path(message).startswith("/auth/confirm/")
    with app.app_context():
        assert users.email_of(users.find_user("alice")) == ("alice@example.com", False)


@pytest.mark.db
def test_set_email_refuses_another_account_s_address_before_changing_anything(app, runner):
    add_user(app, "bob", "bob@example.com")
    add_user(app, "alice", None)
    result = invoke(runner, "users", "set-email", "alice", "Bob@example.com")
    one_line_error(result, "Bob@example.com is the confirmed address of bob")
    assert queued(app) == []


def test_set_email_refuses_a_bad_address_and_an_unknown_user(app, runner):
    add_user(app, "alice", None)
    one_line_error(invoke(runner, "users", "set-email", "alice", "nope"), _invalid())
    one_line_error(
        invoke(runner, "users", "set-email", "bob", "b@example.com"), "no such user: bob"
    )


def _invalid():
    from flaskr import messages

    return messages.EMAIL_INVALID


@pytest.mark.db
def test_send_reset_queues_a_link_to_the_confirmed_address(app, runner):
    add_user(app, "alice", "alice@example.com")
    result = invoke(runner, "users", "send-reset", "alice")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Queued a password reset link to alice@example.com")
    [message] = queued(app, kind="reset")
    assert link_path(message).startswith("/auth/reset/")
    # Links made outside any request still start with PUBLIC_URL.
    assert app.config["PUBLIC_URL"] + "/auth/reset/" in message["text"]


def test_send_reset_needs_a_confirmed_address(app, runner):
    add_user(app, "alice", "alice@example.com", confirmed=False)
    result = invoke(runner, "users", "send-reset", "alice")
    one_line_error(result, "alice has no confirmed e-mail address")
    assert queued(app) == []

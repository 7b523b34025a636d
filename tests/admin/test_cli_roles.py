"""`flask users grant|revoke|recount-admins`, and the last-admin rule on the command line."""

from __future__ import annotations

import pytest

from flaskr.identity import admins, audit, clock, users
from tests.support.users import add_user
from tests.test_cli import invoke, one_line_error, user_doc

LAST_ADMIN = "That would leave no active administrator: grant the admin role to someone else first."


def roles_of(app, name):
    return users.roles(user_doc(app, name))


@pytest.mark.db
def test_grant_and_revoke_a_role(app, runner):
    add_user(app)
    result = invoke(runner, "users", "grant", "ALICE", "admin")
    assert (result.exit_code, result.stdout) == (0, "Granted admin to alice.\n")
    assert invoke(runner, "users", "grant", "alice", "editor").exit_code == 0
    assert roles_of(app, "alice") == ["admin", "editor"]
    again = invoke(runner, "users", "grant", "alice", "editor")
    assert (again.exit_code, again.stdout) == (0, "alice already has the role editor.\n")
    result = invoke(runner, "users", "revoke", "alice", "editor")
    assert (result.exit_code, result.stdout) == (0, "Revoked editor from alice.\n")
    again = invoke(runner, "users", "revoke", "alice", "editor")
    assert (again.exit_code, again.stdout) == (0, "alice does not have the role editor.\n")
    assert roles_of(app, "alice") == ["admin"]
    with app.app_context():
        stored = audit.recent(user_doc(app, "alice")["_id"], now=clock.now())
    assert {(e["event"], e["actor"], e["details"]["role"]) for e in stored if "details" in e} == {
        ("role_granted", "cli", "admin"),
        ("role_granted", "cli", "editor"),
        ("role_revoked", "cli", "editor"),
    }


@pytest.mark.db
@pytest.mark.parametrize("role", ["Admin", "9x", "a b", "$ne"])
def test_a_bad_role_name_is_one_line(app, runner, role):
    add_user(app)
    one_line_error(
        invoke(runner, "users", "grant", "alice", role),
        "A role is 1 to 32 lower-case letters, digits, '-' or '_', starting with a letter.",
    )
    assert roles_of(app, "alice") == []


@pytest.mark.db
@pytest.mark.parametrize(
    "args",
    [("revoke", "alice", "admin"), ("disable", "alice"), ("delete", "alice", "--yes")],
)
def test_the_last_admin_stays_from_the_command_line(app, runner, args):
    add_user(app)
    invoke(runner, "users", "grant", "alice", "admin")
    one_line_error(invoke(runner, "users", *args), LAST_ADMIN)
    doc = user_doc(app, "alice")
    assert users.is_active_admin(doc)
    add_user(app, "bob")
    invoke(runner, "users", "grant", "bob", "admin")
    assert invoke(runner, "users", *args).exit_code == 0


@pytest.mark.db
@pytest.mark.parametrize("command", ["grant", "revoke"])
def test_unknown_user(runner, command):
    one_line_error(invoke(runner, "users", command, "nobody", "admin"), "no such user: nobody")


@pytest.mark.db
def test_recount_admins(app, runner, db):
    for name in ("alice", "bob"):
        add_user(app, name)
        invoke(runner, "users", "grant", name, "admin")
    db.counters.update_one({"_id": "active_admins"}, {"$set": {"count": 1}})
    result = invoke(runner, "users", "recount-admins")
    assert (result.exit_code, result.stdout) == (
        0,
        "Active administrators: 2 (the count said 1).\n",
    )
    with app.app_context():
        assert admins.count() == 2


@pytest.mark.parametrize("command", ["grant", "revoke", "recount-admins"])
def test_every_new_command_has_help(runner, command):
    result = invoke(runner, "users", command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")

"""The admin CLI: `flask --app flaskr users ...`, through Flask's CliRunner (init-db: test_db)."""

from __future__ import annotations

import gzip
import re

import pytest

from flaskr import cli
from flaskr.backup.dump import MAGIC
from flaskr.identity import audit, clock, passwords, sessions, throttle, users
from flaskr.identity.policy import Policy
from flaskr_dev.embedded import free_port
from tests.support.web import PASSWORD

NEW_PASSWORD = "amber-glacier-42-lantern"


def invoke(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


def one_line_error(result, text: str, *, first: bool = False) -> None:
    """Exit status 1 and exactly one line that says `text` (`first`: says it first, then maybe
    more reasons): no traceback."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    if first:
        assert lines[0].startswith(f"Error: {text}"), lines[0]
    else:
        assert lines == [f"Error: {text}"]
    assert "Traceback" not in result.output


def user_doc(app, name: str):
    with app.app_context():
        return users.find_user(name)


def start_session(app, user_id) -> str:
    with app.app_context():
        life = sessions.Lifetimes.from_config(app.config)
        token, _ = sessions.create_session(
            users.find_user_by_id(user_id),
            ip="127.0.0.1",
            user_agent="test",
            remember=True,
            now=clock.now(),
            life=life,
        )
        return token


def live_sessions(app, user_id) -> int:
    with app.app_context():
        return len(sessions.list_sessions(user_id, now=clock.now()))


@pytest.mark.db
def test_create_reads_the_password_from_stdin(app, runner):
    result = invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Created user alice.\n"
    doc = user_doc(app, "ALICE")
    assert doc["username"] == "alice"
    assert passwords.check_password(PASSWORD, doc["password_hash"])


@pytest.mark.db
def test_created_user_can_sign_in(runner, auth, client):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    assert auth.login().headers["Location"] == "/user"


def test_spaces_are_part_of_the_password_only_the_line_ending_is_not(app, runner):
    invoke(runner, "users", "create", "alice", input=" " + PASSWORD + " \r\nignored\n")
    doc = user_doc(app, "alice")
    assert passwords.check_password(" " + PASSWORD + " ", doc["password_hash"])


def test_create_asks_twice_on_a_terminal(app, runner, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = invoke(runner, "users", "create", "alice", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert user_doc(app, "alice") is not None


def test_create_on_a_terminal_with_passwords_that_differ_creates_nothing(app, runner, monkeypatch):
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = invoke(runner, "users", "create", "alice", input=f"{PASSWORD}\n{PASSWORD}x\n")
    assert result.exit_code == 1
    assert "do not match" in result.output
    assert user_doc(app, "alice") is None


@pytest.mark.db
def test_create_refuses_a_taken_name_in_any_case(app, runner):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    result = invoke(runner, "users", "create", "Alice", input=PASSWORD + "\n")
    one_line_error(result, "the username Alice is already taken")


def test_create_reports_a_name_taken_between_check_and_insert(app, runner, monkeypatch):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    monkeypatch.setattr(users, "find_user", lambda name: None)  # lose the race
    result = invoke(runner, "users", "create", "ALICE", input=PASSWORD + "\n")
    one_line_error(result, "the username ALICE is already taken")


@pytest.mark.parametrize(
    ("username", "stdin", "reason"),
    [
        ("al", PASSWORD, "Username must be 3 to 32 characters long."),
        ("a" * 33, PASSWORD, "Username must be 3 to 32 characters long."),
        ("al ice", PASSWORD, "Username may contain only letters, digits, '.', '_' and '-'."),
        ("alice", "short", "Password must be at least 8 characters long."),
        ("alice", "x" * 1025, "Password must be at most 1024 characters long."),
        ("alice", "tab\there-is-long", "Password must not contain control characters."),
        ("alice", "", "Password must be at least 8 characters long."),
    ],
)
def test_create_applies_the_form_rules(app, runner, username, stdin, reason):
    result = invoke(runner, "users", "create", username, input=stdin + "\n")
    one_line_error(result, reason, first=True)
    assert user_doc(app, "alice") is None


def test_create_uses_the_same_password_check_as_the_form(app, runner, monkeypatch):
    seen = []

    def problem(policy, password, username=""):
        seen.append((password, username))
        return "Not this one."

    monkeypatch.setattr(Policy, "password_problem", problem)
    result = invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    one_line_error(result, "Not this one.")
    assert seen == [(PASSWORD, "alice")]


def test_create_without_input_says_so(app, runner):
    one_line_error(
        invoke(runner, "users", "create", "alice", input=""), "no password on standard input"
    )


def test_create_with_undecodable_input_says_so(app, runner):
    result = invoke(runner, "users", "create", "alice", input=b"\xff\xfe-not-utf-8\n")
    one_line_error(result, "the password on standard input is not valid UTF-8")


@pytest.mark.db
def test_list_shows_name_created_last_sign_in_and_disabled(app, runner, auth):
    invoke(runner, "users", "create", "bob", input=PASSWORD + "\n")
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    auth.login("alice")
    invoke(runner, "users", "disable", "bob")
    lines = invoke(runner, "users", "list").output.splitlines()
    assert lines[0].split() == ["USERNAME", "CREATED", "LAST", "SIGN-IN", "DISABLED"]
    alice, bob = lines[1].split(), lines[2].split()
    assert alice[0] == "alice" and alice[-1] == "no" and "never" not in alice
    assert bob[0] == "bob" and bob[-1] == "yes" and bob[3] == "never"
    assert lines[3] == "2 users."
    assert "$2b$" not in "\n".join(lines)


def test_list_with_no_users(runner):
    result = invoke(runner, "users", "list")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "0 users."


@pytest.mark.db
def test_disable_refuses_sign_in_and_ends_sessions_enable_restores(app, runner, auth, client):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    auth.login()
    other = start_session(app, user_doc(app, "alice")["_id"])
    result = invoke(runner, "users", "disable", "Alice")
    assert result.stdout == "Disabled alice; ended 2 sessions.\n"
    assert client.get("/user").status_code == 302
    with app.app_context():
        assert (
            sessions.load_session(
                other, now=clock.now(), life=sessions.Lifetimes.from_config(app.config)
            )
            is None
        )
    assert auth.login().status_code == 401
    assert invoke(runner, "users", "enable", "alice").stdout == "Enabled alice.\n"
    assert "disabled" not in user_doc(app, "alice")
    assert auth.login().headers["Location"] == "/user"


@pytest.mark.db
def test_set_password_changes_it_and_ends_sessions(app, runner, auth, client):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    auth.login()
    result = invoke(runner, "users", "set-password", "alice", input=NEW_PASSWORD + "\n")
    assert result.stdout == "Changed the password of alice; ended 1 session.\n"
    assert client.get("/user").status_code == 302
    assert auth.login().status_code == 401
    assert auth.login(password=NEW_PASSWORD).headers["Location"] == "/user"


def test_set_password_applies_the_rules_and_keeps_the_old_one(app, runner):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    result = invoke(runner, "users", "set-password", "alice", input="short\n")
    one_line_error(result, "Password must be at least 8 characters long.", first=True)
    assert passwords.check_password(PASSWORD, user_doc(app, "alice")["password_hash"])


@pytest.mark.db
def test_delete_with_yes_removes_the_user_and_their_sessions(app, runner, auth, client):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    auth.login()
    user_id = user_doc(app, "alice")["_id"]
    result = invoke(runner, "users", "delete", "alice", "--yes")
    assert result.stdout == "Deleted alice; ended 1 session.\n"
    assert user_doc(app, "alice") is None
    assert live_sessions(app, user_id) == 0
    assert client.get("/user").status_code == 302


def test_delete_asks_first(app, runner):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    result = invoke(runner, "users", "delete", "alice", input="n\n")
    assert result.exit_code == 1
    assert "Delete user alice and end their sessions? [y/N]" in result.output
    assert user_doc(app, "alice") is not None
    result = invoke(runner, "users", "delete", "alice", input="y\n")
    assert result.exit_code == 0
    assert user_doc(app, "alice") is None


@pytest.mark.db
@pytest.mark.parametrize(
    "args",
    [("disable",), ("enable",), ("set-password",), ("delete", "--yes")],
)
def test_unknown_user(runner, args):
    result = invoke(runner, "users", args[0], "nobody", *args[1:], input=PASSWORD + "\n")
    one_line_error(result, "no such user: nobody")


@pytest.mark.parametrize(
    "args",
    [
        ("users", "list"),
        ("users", "create", "alice"),
        ("users", "disable", "alice"),
        ("users", "delete", "alice", "--yes"),
        ("init-db",),
    ],
)
def test_database_unreachable_is_one_line(make_app, args):
    uri = f"mongodb://flaskr:hunter2-secret@127.0.0.1:{free_port()}/flaskr"
    app = make_app(MONGO_URI=uri, MONGO_TIMEOUT_MS=200)
    result = invoke(app.test_cli_runner(), *args, input=PASSWORD + "\n")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: database unreachable: 127.0.0.1:")
    assert "Topology" not in lines[0]
    assert "Traceback" not in result.output
    assert "hunter2-secret" not in result.output


def test_other_database_errors_are_one_line(runner, monkeypatch):
    from pymongo.errors import OperationFailure

    def refuse(username):
        raise OperationFailure("Authentication failed.\nmore detail", code=18)

    monkeypatch.setattr(users, "find_user", refuse)
    one_line_error(
        invoke(runner, "users", "disable", "alice"), "database error: Authentication failed."
    )


@pytest.mark.parametrize(
    "args",
    [
        ("users",),
        ("users", "create"),
        ("users", "list"),
        ("users", "disable"),
        ("users", "enable"),
        ("users", "set-password"),
        ("users", "delete"),
        ("init-db",),
    ],
)
def test_every_command_has_help(runner, args):
    result = invoke(runner, *args, "--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: ")


def lock_out(auth, app) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(password=PASSWORD + "x").status_code == 401
    assert auth.login().status_code == 429


def events(app, user_id) -> list[dict]:
    with app.app_context():
        return audit.recent(user_id, now=clock.now())


@pytest.mark.db
def test_unlock_lifts_a_lockout(app, runner, auth):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    lock_out(auth, app)
    assert invoke(runner, "users", "unlock", "ALICE").stdout == "Unlocked alice.\n"
    assert auth.login().headers["Location"] == "/user"


@pytest.mark.db
def test_set_password_lifts_a_lockout_and_shows_in_recent_activity(app, runner, auth):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    lock_out(auth, app)
    invoke(runner, "users", "set-password", "alice", input=NEW_PASSWORD + "\n")
    assert auth.login(password=NEW_PASSWORD).headers["Location"] == "/user"
    latest = events(app, user_doc(app, "alice")["_id"])[1]  # [0] is this sign-in
    assert (latest["event"], latest["ip"]) == (audit.PASSWORD_CHANGED, None)
    # Done by an administrator at the command line, not by someone at a browser.
    assert (latest["actor"], latest["user_agent"]) == ("cli", "")


def test_enable_lifts_a_lockout(app, runner, auth):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    lock_out(auth, app)
    invoke(runner, "users", "enable", "alice")
    assert auth.login().headers["Location"] == "/user"


@pytest.mark.db
def test_delete_also_removes_audit_events_and_counters(app, runner, auth, db):
    invoke(runner, "users", "create", "alice", input=PASSWORD + "\n")
    auth.login()
    auth.login(password=PASSWORD + "x")
    user_id = user_doc(app, "alice")["_id"]
    # This browser has signed in before: its failure counts on its own device counter.
    counter = {"_id": {"$regex": "^" + re.escape(throttle.device_counter("alice", ""))}}
    assert events(app, user_id)
    assert db.login_failures.find_one(counter) is not None
    invoke(runner, "users", "delete", "alice", "--yes")
    assert events(app, user_id) == []
    assert db.login_failures.find_one(counter) is None


@pytest.mark.parametrize("command", [["db", "backup"], ["db", "restore", "--force"]])
def test_backups_need_a_real_server(runner, tmp_path, command):
    """The tests' mongomock has nothing to back up and nowhere to restore to."""
    path = tmp_path / "dump.gz"
    path.write_bytes(gzip.compress(MAGIC))  # a mongodump archive, as far as restore can tell
    target = str(tmp_path) if command[1] == "backup" else str(path)
    one_line_error(
        invoke(runner, *command, target), "backups need a real database server, not mongomock"
    )

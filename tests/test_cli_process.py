"""The real `flask --app flaskr ...` command, as an admin or a script runs it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flaskr_dev.embedded import free_port
from tests.support.live import ROOT, app_env
from tests.support.web import PASSWORD


def flask(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "flaskr", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.realdb
def test_a_script_provisions_lists_and_deletes_a_user(mongo_uri, tmp_path):
    env = app_env(mongo_uri, tmp_path / "instance")
    done = flask(env, "users", "create", "alice", stdin=PASSWORD + "\n")
    assert (done.returncode, done.stdout) == (0, "Created user alice.\n")
    # stderr carries the log: the creation is an auth event, one line; nothing else.
    (line,) = done.stderr.splitlines()
    assert " INFO flaskr.audit: account_created " in line
    assert " actor=cli " in line
    done = flask(env, "users", "list")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines()[1].split()[0] == "alice"
    done = flask(env, "users", "delete", "alice", "--yes")
    assert done.stdout == "Deleted alice; ended 0 sessions.\n"
    # stderr carries the log: the deletion is an auth event, one line; nothing else.
    (line,) = done.stderr.splitlines()
    assert " INFO flaskr.audit: account_deleted " in line
    assert " actor=cli " in line


def test_unreachable_database_is_one_line_on_stderr(tmp_path):
    uri = f"mongodb://127.0.0.1:{free_port()}/flaskr"
    env = app_env(uri, tmp_path / "instance", FLASKR_MONGO_TIMEOUT_MS="300")
    done = flask(env, "users", "list")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith("Error: database unreachable: 127.0.0.1:")
    assert done.stderr.count("\n") == 1


def test_production_mode_without_a_key_is_one_line(tmp_path):
    env = app_env("mongodb://127.0.0.1:27017/flaskr", tmp_path / "instance")
    del env["FLASKR_SECRET_KEY"]
    env["FLASKR_PRODUCTION"] = "true"
    done = flask(env, "users", "list")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("flaskr: PRODUCTION is on but no SECRET_KEY is set")


@pytest.mark.realdb
def test_init_db_exits_cleanly(mongo_uri, tmp_path):
    """Nothing on stderr: the rate limiter's storage neither hangs nor prints at exit."""
    done = flask(app_env(mongo_uri, tmp_path / "instance"), "init-db")
    assert done.returncode == 0, done.stderr
    assert "index ok: rate_limits.expireAt_ttl" in done.stdout
    assert done.stderr == ""

"""The CLI refuses a password that is not valid UTF-8, whatever the locale (issue 18, point 7).

Under a C or POSIX locale Python reads undecodable stdin bytes as lone surrogates instead of
failing; such a password made an account nobody could sign in to.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.live import ROOT, app_env

NOT_UTF8 = "Error: the password on standard input is not valid UTF-8\n"


def flask(env: dict, *args: str, stdin: bytes) -> subprocess.CompletedProcess:
    """The real command, fed bytes (tests/test_cli_process.py feeds text)."""
    command = [sys.executable, "-m", "flask", "--app", "flaskr", *args]
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, timeout=60)


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
@pytest.mark.parametrize("command", [("users", "create", "alice"), ("users", "set-password", "x")])
def test_undecodable_bytes_are_refused_with_one_line(tmp_path, locale, command):
    env = app_env("mongomock://localhost/cli_encoding", tmp_path / "instance")
    env.update(LC_ALL=locale, LANG=locale)
    env.pop("PYTHONIOENCODING", None)
    env.pop("PYTHONUTF8", None)
    done = flask(env, *command, stdin=b"violet-harbour-\xff\xfe-88-tundra\n")
    assert done.returncode == 1
    if command[1] == "create":
        assert done.stderr.decode() == NOT_UTF8
        assert done.stdout == b""
    else:  # the user is looked up first
        assert done.stderr.decode() == "Error: no such user: x\n"


def test_a_valid_password_under_the_c_locale_still_works(tmp_path):
    env = app_env("mongomock://localhost/cli_encoding", tmp_path / "instance")
    env.update(LC_ALL="C", LANG="C")
    done = flask(env, "users", "create", "alice", stdin="violet-harbour-88-tündra\n".encode())
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"Created user alice.\n"

"""The last-admin rule with the admin page and the command line racing each other on the
real server: of two departures of the last two administrators, one is refused."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from flaskr.identity import accounts, admins, users
from flaskr.identity.audit import CLI
from flaskr.web.context import settings
from tests.admin.conftest import user_id
from tests.support.live import ROOT, app_env
from tests.support.threads import together
from tests.support.users import add_user
from tests.support.web import csrf_token, signed_in_client

pytestmark = pytest.mark.realdb

ROUNDS = 8
LAST_ADMIN = "That would leave no active administrator"


def restore(app) -> None:
    """alice and bob, both enabled administrators again."""
    with app.test_request_context():
        for name in ("alice", "bob"):
            user = users.find_user(name)
            accounts.enable_account(user, actor=CLI, settings=settings())
            accounts.grant_role(user, "admin", actor=CLI, settings=settings())
        assert (users.count_active_admins(), admins.count()) == (2, 2)


@pytest.fixture
def two_admins(make_app):
    app = make_app(ADMIN_REQUIRES_TWO_FACTOR=False)
    add_user(app, "alice")
    add_user(app, "bob")
    restore(app)
    return app


@pytest.mark.parametrize(
    "page_action, command",
    [
        ("admin/revoke", ["revoke", "alice", "admin"]),
        ("disable", ["disable", "alice"]),
        ("admin/revoke", ["delete", "alice", "--yes"]),
    ],
)
def test_the_page_and_the_command_line_in_threads(two_admins, page_action, command):
    app = two_admins
    runner = app.test_cli_runner()
    bob = user_id(app, "bob")
    # The command reaches the database sooner than the page (no session, no guard): it
    # starts a little later each round, so that each side wins some of the rounds.
    for lag in (i * 0.0015 for i in range(ROUNDS)):
        if users_missing(app, "alice"):
            add_user(app, "alice")
        restore(app)
        post = page_post(app, f"/admin/users/{bob}/{page_action}")
        page, cli = together(post, lambda lag=lag: command_after(runner, command, lag))
        page_done = outcome(page, bob) == "done"
        cli_done = cli.exit_code == 0
        assert cli_done or LAST_ADMIN in cli.output, cli.output
        assert page_done != cli_done, (page.status_code, cli.output)
        with app.app_context():
            assert (users.count_active_admins(), admins.count()) == (1, 1)


def command_after(runner, command: list[str], lag: float):
    time.sleep(lag)
    return runner.invoke(args=["users", *command])


def page_post(app, path: str):
    """alice's browser, signed in with its CSRF token read now, ready to post to `path`."""
    admin = signed_in_client(app, "alice")
    token = csrf_token(admin, "/")
    return lambda: admin.post(path, data={"csrf_token": token})


def outcome(page, bob: str) -> str:
    """What became of the page's action: done, refused by the rule, or refused because the
    command took alice's role (403) or account (signed out: the sign-in page, or 401 when
    her account went in the middle of the request)."""
    location = page.headers.get("Location", "")
    if page.status_code == 302 and location == f"/admin/users/{bob}":
        return "done"
    if page.status_code == 409:
        return "last admin"
    assert page.status_code in (401, 403) or location.startswith("/auth/login"), page.status_code
    return "no longer an administrator"


def users_missing(app, name: str) -> bool:
    with app.app_context():
        return users.find_user(name) is None


def test_command_line_processes_and_the_page_at_once(two_admins, mongo_uri, tmp_path):
    app = two_admins
    env = app_env(mongo_uri, tmp_path / "instance")
    bob = user_id(app, "bob")

    def flask(*args: str):
        return lambda: subprocess.run(
            [sys.executable, "-m", "flask", "--app", "flaskr", "users", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    # A command spends most of its time starting Python; the page waits about as long, so
    # that it lands among the commands' writes (a little earlier or later each round).
    started = time.monotonic()
    assert flask("revoke", "nobody", "admin")().returncode == 1
    startup = time.monotonic() - started
    for lag in (0.7, 0.85, 1.0):
        restore(app)
        post = page_post(app, f"/admin/users/{bob}/admin/revoke")

        def page(post=post, lag=lag):
            time.sleep(startup * lag)
            return post()

        page, revoke_alice, disable_bob = together(
            page, flask("revoke", "alice", "admin"), flask("disable", "bob")
        )
        # Whichever order they land in, the service ends with one administrator: a change
        # is refused by the rule (the page's 409, the command's one line) or by the guard
        # (once alice lost the role), or changes bob once he is no longer one.
        outcome(page, bob)
        refusals = [r.stderr for r in (revoke_alice, disable_bob) if r.returncode]
        assert all(LAST_ADMIN in text for text in refusals), refusals
        with app.app_context():
            assert (users.count_active_admins(), admins.count()) == (1, 1)

"""`python -m flaskr_dev` (what `make run` does), run for real as a user would."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from flaskr_dev import embedded
from tests.support.live import ROOT
from tests.support.web import PASSWORD

pytestmark = pytest.mark.realdb

WAIT = 90  # seconds: the slowest step (first start on a busy machine) stays well under it


def processes_matching(*needles: str) -> list[int]:
    """Pids of live processes whose command line contains every one of `needles`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if state != "Z" and all(n in cmdline for n in needles):
            found.append(int(entry.name))
    return found


class Launcher:
    """One `python -m flaskr_dev` in a process group of its own."""

    def __init__(self, tmp: Path, port: int, db_port: int, instance: Path, name: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = tmp / f"{name}.log"
        self.sink_port = embedded.free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "FLASKR_MONGO_URI")}
        env.pop("FLASKR_MAIL_SERVER", None)
        env.update(
            PORT=str(port),
            EMBEDDED_DB_PORT=str(db_port),
            MAIL_SINK_PORT=str(self.sink_port),
            FLASKR_INSTANCE_PATH=str(instance),
            FLASKR_BCRYPT_ROUNDS="4",
            PYTHONUNBUFFERED="1",
        )
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flaskr_dev"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + WAIT
        while True:
            assert self.proc.poll() is None, f"launcher exited:\n{self.output()}"
            try:
                # S310: the URL is always http://127.0.0.1:<port>/
                with urllib.request.urlopen(self.base + "/", timeout=5) as response:  # noqa: S310
                    # Up when the app answers and the mail sender runs: a Ctrl-C that comes
                    # while the sender is still starting ends it before it can say its tally.
                    if response.status == 200 and "Sending mail through" in self.output():
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, f"not serving after {WAIT} s:\n{self.output()}"
            time.sleep(0.3)

    def interrupt(self) -> None:
        """Ctrl-C in the terminal: SIGINT to the whole process group."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)

    def finish(self, within: float = WAIT) -> int:
        try:
            return self.proc.wait(within)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
            raise


class Browser:
    """urllib with a cookie jar, reading CSRF tokens from the forms."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def submit(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        status, page = self.get(url)
        assert status == 200
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        try:
            with self.opener.open(url, data=body, timeout=15) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode()


def assert_nothing_left(launchers, instance: Path, db_port: int) -> None:
    """No gunicorn of these launchers and no database of `instance` runs or listens."""
    for launcher in launchers:
        assert processes_matching("gunicorn", f"127.0.0.1:{launcher.port}") == []
        assert not embedded.port_open(launcher.port)
        assert not embedded.port_open(launcher.sink_port)
        # The sender prints its tally when it stops.
        assert "Sent 0, deferred 0, failed 0." in launcher.output()
    assert processes_matching("flaskr_dev.mailsink", str(instance)) == []
    assert processes_matching("secantusd", "--port", str(instance / "db")) == []
    assert not embedded.port_open(db_port)


@pytest.fixture
def launchers(tmp_path):
    started: list[Launcher] = []
    yield started
    for launcher in started:
        launcher.interrupt()
    for launcher in started:
        if launcher.proc.poll() is None:
            launcher.finish()
        # Whatever a failed test left of the group (a launcher gone before its children).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.proc.pid, signal.SIGKILL)
    # The database and the mail sink have sessions of their own, gunicorn a process group.
    for pid in processes_matching("secantusd", str(tmp_path)) + processes_matching(
        "flaskr_dev.mailsink", str(tmp_path)
    ):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for launcher in started:
        for pid in processes_matching("gunicorn", f"127.0.0.1:{launcher.port}"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def launch(tmp_path, launchers):
    """`launch(name, db_port)`: a launcher of tmp/instance, serving; stopped at the end."""

    def start(name: str, db_port: int) -> Launcher:
        port = embedded.free_port()
        launcher = Launcher(tmp_path, port, db_port, tmp_path / "instance", name)
        launchers.append(launcher)
        launcher.wait_until_serving()
        return launcher

    return start


def signs_up_and_in(base: str, username: str, browser: Browser | None = None) -> Browser:
    """A new visitor registers and signs in through the forms; both must work."""
    browser = browser or Browser()
    status, url, page = browser.submit(
        base + "/auth/register", {"username": username, "password": PASSWORD}
    )
    # Registering signs in; signing in again through the form works too.
    assert (status, url) == (200, base + "/user")
    assert f"Welcome, {username}." in page
    status, url, page = browser.submit(
        base + "/auth/login", {"username": username.lower(), "password": PASSWORD}
    )
    assert (status, url) == (200, base + "/user")
    assert f"<dd>{username}</dd>" in page
    return browser


def test_run_two_launchers_share_database_and_secret(tmp_path, launch):
    instance = tmp_path / "instance"
    db_port = embedded.free_port()
    first = launch("first", db_port)
    assert "Starting the embedded database" in first.output()
    assert (instance / "secret_key").is_file()
    assert (instance / "db").is_dir()
    browser = signs_up_and_in(first.base, "Alice")

    second = launch("second", db_port)
    assert "Using the embedded database already running" in second.output()
    # The cookie made by the first is valid on the second: same secret key, same database.
    status, page = browser.get(second.base + "/user")
    assert status == 200
    assert "<dd>Alice</dd>" in page

    app_pids = {
        launcher: processes_matching("gunicorn", f"127.0.0.1:{launcher.port}")
        for launcher in (first, second)
    }
    assert all(app_pids.values())
    db_pids = processes_matching("secantusd", "--port", str(instance / "db"))
    assert db_pids

    # Ctrl-C in both terminals at once: whichever leaves last stops the database, once.
    for launcher in (second, first):
        launcher.interrupt()
    for launcher in (second, first):
        launcher.finish()
    said = sorted(
        ("Stopping the embedded database." in launcher.output(), "Leaving" in launcher.output())
        for launcher in (first, second)
    )
    assert said == [(False, True), (True, False)]
    assert_nothing_left((first, second), instance, db_port)
    # The database's passwords are said nowhere: not by the launchers, gunicorn or the server.
    users = json.loads((instance / "db-credentials").read_text()).values()
    for text in (first.output(), second.output(), (instance / "secantusd.log").read_text()):
        assert not any(user["password"] in text for user in users)


def test_the_second_launcher_outlives_the_first(tmp_path, launch):
    """The database runs while any launcher uses it: whichever stops last stops it."""
    db_port = embedded.free_port()
    first, second = launch("first", db_port), launch("second", db_port)
    first.interrupt()
    assert first.finish() == 0
    assert "Leaving the embedded database running: another launcher uses it." in first.output()
    # A new visitor of the second signs up and signs in, as if nothing had happened.
    signs_up_and_in(second.base, "newcomer")
    second.interrupt()
    assert second.finish() == 0
    assert "Stopping the embedded database." in second.output()
    assert_nothing_left((first, second), tmp_path / "instance", db_port)


def test_make_run_says_where_to_go_and_ctrl_c_stops_all_within_10_seconds(tmp_path, launch):
    """What it prints once it answers; then Ctrl-C, with a client stuck mid-request."""
    instance, db_port = tmp_path / "instance", embedded.free_port()
    launcher = launch("only", db_port)
    deadline = time.monotonic() + WAIT
    while "Ctrl-C stops it." not in launcher.output():
        assert time.monotonic() < deadline, launcher.output()
        time.sleep(0.2)
    out = launcher.output()
    # Said after gunicorn answered its first request, not before it started.
    assert out.index("path=/healthz status=200") < out.index("flaskr is up")
    # Opened by name: browsers refuse passkeys on an IP address.
    assert f"flaskr is up: open http://localhost:{launcher.port}/" in out
    assert f"(served on {launcher.base}/; passkeys work only under http://localhost:" in out
    assert f"Data: {instance / 'db'} (the embedded database on 127.0.0.1:{db_port}; " in out
    assert f"passwords are in {instance / 'db-credentials'})" in out
    assert "flask --app flaskr users create NAME" in out

    Browser().submit(launcher.base + "/auth/login", {"username": "nobody", "password": PASSWORD})
    with (
        socket.create_connection(("127.0.0.1", launcher.port)) as stuck,
        socket.create_connection(("127.0.0.1", launcher.port)),  # a browser's preconnect
    ):
        stuck.sendall(b"GET / HTTP/1.1\r\n")  # and never the rest
        time.sleep(0.5)
        launcher.interrupt()
        assert launcher.finish(within=10) == 0
    assert_nothing_left([launcher], instance, db_port)


def test_the_data_outlives_the_launcher(launch):
    """A second `make run` finds the same users."""
    db_port = embedded.free_port()
    first = launch("first", db_port)
    signs_up_and_in(first.base, "bob")
    first.interrupt()
    first.finish()
    assert not embedded.port_open(db_port)

    again = launch("again", db_port)
    status, url, page = Browser().submit(
        again.base + "/auth/login", {"username": "bob", "password": PASSWORD}
    )
    assert (status, url) == (200, again.base + "/user")
    assert "<dd>bob</dd>" in page


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_launcher_alone_stops_everything_it_started(tmp_path, launch, sig):
    """`kill` or a closed terminal reaches only the launcher: nothing may outlive it."""
    db_port = embedded.free_port()
    launcher = launch("only", db_port)
    assert processes_matching("gunicorn", f"127.0.0.1:{launcher.port}")
    launcher.proc.send_signal(sig)
    assert launcher.finish() == 0
    assert "Stopping the embedded database." in launcher.output()
    assert_nothing_left([launcher], tmp_path / "instance", db_port)

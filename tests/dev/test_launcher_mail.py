"""`make run`'s mail processes in-process: the sink unless a relay is named, then the sender."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flaskr_dev import mailsink, run
from tests.dev.test_launcher import launched  # noqa: F401 (the launcher with its processes faked)


class FakeProc:
    def __init__(self, name: str, stops: list, stubborn: bool = False) -> None:
        self.name, self.stops, self.stubborn = name, stops, stubborn

    def terminate(self) -> None:
        self.stops.append(("terminate", self.name))

    def kill(self) -> None:
        self.stops.append(("kill", self.name))

    def wait(self, timeout=None):
        if self.stubborn and timeout is not None:
            raise subprocess.TimeoutExpired(self.name, timeout)
        return 0


@pytest.fixture
def started(monkeypatch, tmp_path):
    record = {"sink": [], "popen": [], "open": False}
    monkeypatch.setattr(run, "port_open", lambda port: record["open"])
    monkeypatch.setattr(
        mailsink, "start", lambda port, maildir: record["sink"].append((port, maildir)) or "sink"
    )
    monkeypatch.setattr(
        run.subprocess, "Popen", lambda args, env: record["popen"].append((args, env)) or "sender"
    )
    return record


def test_starts_a_sink_and_points_the_sender_at_it(started, tmp_path, capsys):
    env = {"MAIL_SINK_PORT": "8125", "FLASKR_MAIL_USE_TLS": "true", "FLASKR_MAIL_USERNAME": "me"}
    assert run._start_mail(env, tmp_path) == ["sink", "sender"]
    assert started["sink"] == [(8125, tmp_path / "mail")]
    ((args, sender_env),) = started["popen"]
    assert args == [sys.executable, "-m", "flask", "--app", "flaskr", "mail", "send"]
    assert sender_env is env
    assert (env["FLASKR_MAIL_SERVER"], env["FLASKR_MAIL_PORT"]) == ("127.0.0.1", "8125")
    assert "FLASKR_MAIL_USE_TLS" not in env and "FLASKR_MAIL_USERNAME" not in env
    assert "Starting a mail sink on 127.0.0.1:8125" in capsys.readouterr().out


def test_reuses_a_running_sink(started, tmp_path, capsys):
    started["open"] = True
    env = {}
    assert run._start_mail(env, tmp_path) == ["sender"]
    assert started["sink"] == []
    assert env["FLASKR_MAIL_PORT"] == str(mailsink.DEFAULT_SINK_PORT)
    assert "Using the mail sink already running on 127.0.0.1:8025." in capsys.readouterr().out


def test_a_named_relay_gets_no_sink(started, tmp_path):
    env = {"FLASKR_MAIL_SERVER": "smtp.example.test", "FLASKR_MAIL_USE_TLS": "true"}
    assert run._start_mail(env, tmp_path) == ["sender"]
    assert started["sink"] == []
    assert env == {"FLASKR_MAIL_SERVER": "smtp.example.test", "FLASKR_MAIL_USE_TLS": "true"}


def test_stops_the_sender_then_the_sink_and_kills_what_will_not_stop():
    stops: list = []
    run._stop_mail([FakeProc("sink", stops, stubborn=True), FakeProc("sender", stops)])
    assert stops == [("terminate", "sender"), ("terminate", "sink"), ("kill", "sink")]


def test_main_starts_mail_after_init_db_and_stops_it_before_the_database(
    launched,  # noqa: F811
    monkeypatch,
):
    order = []
    monkeypatch.setattr(run, "_start_mail", lambda env, instance: order.append("mail") or ["m"])
    monkeypatch.setattr(
        run, "_stop_mail", lambda procs: launched["database"].append(("mail stopped", procs))
    )
    launched["run"] = order  # init-db records itself here, before the mail processes
    assert run.main() == 0
    assert [entry if entry == "mail" else "init-db" for entry in order] == ["init-db", "mail"]
    assert [entry[0] for entry in launched["database"]] == ["start", "mail stopped", "stop"]
    assert launched["database"][1] == ("mail stopped", ["m"])


def test_a_failed_init_db_starts_no_mail(launched, monkeypatch):  # noqa: F811
    started = []
    monkeypatch.setattr(run, "_start_mail", lambda env, instance: started.append(env) or ["m"])
    launched["init_fails"] = True
    assert run.main() == 7
    assert started == []
    assert launched["mail_stopped"] == []
    assert [entry[0] for entry in launched["database"]] == ["start", "stop"]


def test_the_banner_says_where_the_sinks_mail_is_kept(launched, monkeypatch, tmp_path, capsys):  # noqa: F811
    # Like the real one, starting the sink points the sender (env) at it.
    monkeypatch.delenv("FLASKR_MAIL_SERVER", raising=False)
    monkeypatch.setattr(
        run, "_start_mail", lambda env, instance: env.update(FLASKR_MAIL_SERVER="127.0.0.1") or []
    )
    assert run.main() == 0
    out = capsys.readouterr().out
    assert "Mail: kept in " in out
    assert "(Maildir); each message is also printed here" in out
    assert "sent through" not in out

"""The launcher's logic in-process (test_embedded runs it for real): what it starts and stops."""

from __future__ import annotations

import contextlib
import itertools
import signal
import subprocess
import sys

import pytest

from flaskr_dev import embedded, run
from tests.support.live import ROOT


class FakeApp:
    """Stands in for the gunicorn process."""

    pid = 424242

    def __init__(self, waits):
        self.waits = list(waits)
        self.signals = []

    def wait(self, timeout=None):
        outcome = self.waits.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def send_signal(self, sig):
        self.signals.append(sig)


@pytest.fixture
def launched(monkeypatch, tmp_path):
    """Run run.main() (`make run`) with the processes it would start replaced by records."""
    monkeypatch.chdir(tmp_path)
    for name in ("MONGO_URI", "FLASKR_MONGO_URI", "EMBEDDED_DB_PORT", "EMBEDDED_DB_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PORT", "5999")
    record = {"run": [], "popen": [], "database": [], "killpg": [], "app": FakeApp([0])}
    record["mail_stopped"] = []

    def init_db(args, env, check):
        record["run"].append((args, env))
        if record.get("init_fails"):
            raise subprocess.CalledProcessError(7, args)

    def popen(args, env, process_group):
        record["popen"].append((args, env, process_group))
        return record["app"]

    @contextlib.contextmanager
    def database(instance, port, storage):
        record["database"].append(("start", instance, port, storage))
        try:
            yield
        finally:
            record["database"].append(("stop",))

    monkeypatch.setattr(run.subprocess, "run", init_db)
    monkeypatch.setattr(run.subprocess, "Popen", popen)
    monkeypatch.setattr(run, "embedded_database", database)
    monkeypatch.setattr(run, "_wait_until_up", lambda app, port: True)
    monkeypatch.setattr(run.os, "killpg", lambda pid, sig: record["killpg"].append((pid, sig)))
    # The mail processes have tests of their own (test_launcher_mail.py).
    monkeypatch.setattr(run, "_start_mail", lambda env, instance: ["mail-procs"])
    monkeypatch.setattr(run, "_stop_mail", lambda procs: record["mail_stopped"].append(procs))
    return record


def test_starts_the_database_then_init_db_then_gunicorn(launched, tmp_path, capsys):
    assert run.main() == 0
    instance = tmp_path / "instance"
    assert launched["database"] == [
        ("start", instance, embedded.DEFAULT_DB_PORT, instance / "db"),
        ("stop",),
    ]
    ((init_args, env),) = launched["run"]
    assert init_args[1:] == ["-m", "flask", "--app", "flaskr", "init-db"]
    # The children find the database as the `flask` CLI does: from instance/ and the env.
    assert "MONGO_URI" not in env
    assert env["FLASKR_INSTANCE_PATH"] == str(instance)
    ((app_args, app_env, group),) = launched["popen"]
    assert group == 0  # a process group of its own, killed as a whole at the end
    assert "--no-control-socket" in app_args
    assert app_args[app_args.index("--bind") + 1] == "127.0.0.1:5999"
    assert app_args[app_args.index("--graceful-timeout") + 1] == "3"
    assert app_args[-1] == "wsgi:app"
    assert app_env == env
    out = capsys.readouterr().out
    assert "flaskr is up: open http://localhost:5999/" in out
    assert "(served on http://127.0.0.1:5999/; passkeys work only under" in out
    assert f"Data: {instance / 'db'} (the embedded database on 127.0.0.1:27018" in out
    assert "--app flaskr users create NAME" in out


def test_the_port_and_folder_come_from_the_settings(launched, monkeypatch, tmp_path):
    monkeypatch.setenv("EMBEDDED_DB_PORT", "28555")
    monkeypatch.setenv("FLASKR_EMBEDDED_DB_PATH", str(tmp_path / "elsewhere"))
    assert run.main() == 0
    assert launched["database"][0][2:] == (28555, tmp_path / "elsewhere")


def test_instance_config_is_read_as_the_app_reads_it(launched, tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("EMBEDDED_DB_PORT = 28556\n")
    assert run.main() == 0
    assert launched["database"][0][2] == 28556


@pytest.mark.parametrize("var", ["MONGO_URI", "FLASKR_MONGO_URI"])
def test_given_database_is_used_as_is(launched, monkeypatch, var, capsys):
    monkeypatch.setenv(var, "mongodb://db.example:27017/prod")
    assert run.main() == 0
    assert launched["database"] == []
    assert launched["run"][0][1][var] == "mongodb://db.example:27017/prod"
    assert "Data: the database MONGO_URI names" in capsys.readouterr().out


def test_ctrl_c_passes_sigint_to_gunicorn_then_stops_the_database(launched):
    launched["app"] = FakeApp([KeyboardInterrupt(), 0])
    assert run.main() == 0
    assert launched["app"].signals == [signal.SIGINT]
    # Whatever is left of gunicorn's group is killed before the database stops.
    assert launched["killpg"] == [(FakeApp.pid, signal.SIGKILL)]
    assert launched["database"][-1] == ("stop",)


def test_sigterm_asks_gunicorn_to_finish_its_requests(launched, capsys):
    launched["app"] = FakeApp([run._Stopped(signal.SIGTERM), 0])
    assert run.main() == 0
    assert launched["app"].signals == [signal.SIGTERM]
    assert "Stopping flaskr." in capsys.readouterr().out


def test_gunicorn_that_will_not_stop_is_killed_after_the_grace(launched):
    launched["app"] = FakeApp([KeyboardInterrupt(), subprocess.TimeoutExpired("g", 5), -9])
    assert run.main() == -9
    assert launched["killpg"] == [(FakeApp.pid, signal.SIGKILL)]
    assert launched["database"][-1] == ("stop",)


def test_nothing_is_said_when_gunicorn_never_answers(launched, monkeypatch, capsys):
    monkeypatch.setattr(run, "_wait_until_up", lambda app, port: False)
    launched["app"] = FakeApp([3])
    assert run.main() == 3
    assert "flaskr is up" not in capsys.readouterr().out


def test_failed_init_db_stops_the_database(launched):
    launched["init_fails"] = True
    assert run.main() == 7
    assert launched["popen"] == []
    assert launched["database"][-1] == ("stop",)


def test_ctrl_c_during_init_db(launched, monkeypatch):
    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(run.subprocess, "run", interrupted)
    assert run.main() == 130
    assert launched["database"][-1] == ("stop",)


def test_the_banner_offers_grant_when_the_cli_has_it(monkeypatch):
    from flaskr.cli import users_cli

    # flaskr's CLI has `users grant` (roles): the banner says how to make the first admin.
    assert "users grant NAME admin" in run.banner("5000", "somewhere")[3]
    monkeypatch.delitem(users_cli.commands, "grant")
    assert not any("grant" in line for line in run.banner("5000", "somewhere"))


def test_wait_until_up_gives_up_when_gunicorn_exits():
    class Exited:
        def poll(self):
            return 1

    assert run._wait_until_up(Exited(), str(embedded.free_port())) is False


def test_gunicorn_gets_the_deploy_config_when_there_is_one(launched, monkeypatch):
    # A folder without deploy/gunicorn.conf.py: the launcher's own settings.
    assert run.main() == 0
    ((args, *_),) = launched["popen"]
    assert "--workers" in args and "--config" not in args
    # The project's root, where `make run` runs: its deploy/ config, and the launcher's flags.
    monkeypatch.chdir(ROOT)
    launched["app"] = FakeApp([0])
    assert run.main() == 0
    args = launched["popen"][-1][0]
    assert args[args.index("--config") + 1] == "deploy/gunicorn.conf.py"
    assert "--workers" not in args
    assert "--no-control-socket" in args
    assert args[args.index("--bind") + 1] == "127.0.0.1:5999"


def test_server_command_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(embedded.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="install the embedded extra"):
        embedded.server_command()


def test_server_command_found_beside_python():
    assert embedded.server_command().endswith("secantusd-py")


def test_start_reports_a_server_that_exits(monkeypatch, tmp_path):
    monkeypatch.setattr(embedded, "server_command", lambda: "/bin/false")
    with pytest.raises(RuntimeError, match="exited with code 1"):
        embedded.start(embedded.free_port(), tmp_path / "data", tmp_path / "server.log")


def test_start_gives_up_on_a_server_that_never_answers(monkeypatch, tmp_path):
    script = tmp_path / "silent"  # runs, ignores its arguments, never listens
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    monkeypatch.setattr(embedded, "server_command", lambda: str(script))
    # Every look at the clock is 31 s later: the 30 s deadline passes at once.
    monkeypatch.setattr(embedded.time, "monotonic", itertools.count(step=31).__next__)
    with pytest.raises(RuntimeError, match="did not answer"):
        embedded.start(embedded.free_port(), ":memory:")


def test_stop_kills_a_server_that_ignores_sigterm(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout.readline() == b"ready\n"
        embedded.stop(proc, timeout=0.5)
        assert proc.returncode == -9
    finally:
        proc.kill()
        proc.wait(10)
        proc.stdout.close()


def test_free_port_is_free():
    port = embedded.free_port()
    assert not embedded.port_open(port)


def test_links_in_mail_point_at_this_server_unless_told(launched, monkeypatch):
    monkeypatch.delenv("FLASKR_PUBLIC_URL", raising=False)
    assert run.main() == 0
    ((_, app_env, _),) = launched["popen"]
    # By name: browsers refuse passkeys on an IP address.
    assert app_env["FLASKR_PUBLIC_URL"] == "http://localhost:5999"


def test_a_given_public_url_is_kept(launched, monkeypatch):
    monkeypatch.setenv("FLASKR_PUBLIC_URL", "https://auth.example.com")
    assert run.main() == 0
    ((_, app_env, _),) = launched["popen"]
    assert app_env["FLASKR_PUBLIC_URL"] == "https://auth.example.com"

"""The launcher's logic in-process (test_embedded runs it for real): what it starts and stops."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from flaskr_dev import embedded, run
from tests.support.live import ROOT


class FakeApp:
    """Stands in for the gunicorn process."""

    def __init__(self, waits):
        self.waits = list(waits)
        self.terminated = False

    def wait(self, timeout=None):
        outcome = self.waits.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def terminate(self):
        self.terminated = True


@pytest.fixture
def launched(monkeypatch, tmp_path):
    """Run run.main() (`make run`) with the processes it would start replaced by records."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.delenv("FLASKR_MONGO_URI", raising=False)
    monkeypatch.setenv("FLASKR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PORT", "5999")
    record = {"run": [], "popen": [], "start": [], "stop": [], "app": FakeApp([0])}
    record["mail_stopped"] = []

    def init_db(args, env, check):
        record["run"].append((args, env))
        if record.get("init_fails"):
            raise subprocess.CalledProcessError(7, args)

    def popen(args, env):
        record["popen"].append((args, env))
        return record["app"]

    monkeypatch.setattr(run.subprocess, "run", init_db)
    monkeypatch.setattr(run.subprocess, "Popen", popen)
    # The launcher's own names for embedded's functions (imported into flaskr_dev.run).
    monkeypatch.setattr(run, "start", lambda *a: record["start"].append(a) or "db-proc")
    monkeypatch.setattr(run, "stop", lambda proc: record["stop"].append(proc))
    monkeypatch.setattr(run, "port_open", lambda port: record.get("db_running", False))
    # The mail processes have tests of their own (test_launcher_mail.py).
    monkeypatch.setattr(run, "_start_mail", lambda env, instance: ["mail-procs"])
    monkeypatch.setattr(run, "_stop_mail", lambda procs: record["mail_stopped"].append(procs))
    return record


def test_starts_the_database_then_init_db_then_gunicorn(launched, tmp_path, capsys):
    assert run.main() == 0
    ((port, storage, log),) = launched["start"]
    assert port == embedded.DEFAULT_DB_PORT
    assert storage == tmp_path / "instance" / "db"
    assert log == tmp_path / "instance" / "secantusd.log"
    ((init_args, env),) = launched["run"]
    assert init_args[1:] == ["-m", "flask", "--app", "flaskr", "init-db"]
    assert env["MONGO_URI"] == f"mongodb://127.0.0.1:{embedded.DEFAULT_DB_PORT}/flaskr"
    ((app_args, app_env),) = launched["popen"]
    assert "--no-control-socket" in app_args
    assert app_args[app_args.index("--bind") + 1] == "127.0.0.1:5999"
    assert app_args[-1] == "wsgi:app"
    assert app_env["MONGO_URI"] == env["MONGO_URI"]
    assert launched["stop"] == ["db-proc"]
    out = capsys.readouterr().out
    assert "Serving flaskr on http://127.0.0.1:5999" in out
    assert "Stopping the embedded database." in out


def test_reuses_a_running_database(launched, monkeypatch, capsys):
    launched["db_running"] = True
    monkeypatch.setenv("EMBEDDED_DB_PORT", "28555")
    assert run.main() == 0
    assert launched["start"] == []
    assert launched["stop"] == []
    assert launched["run"][0][1]["MONGO_URI"] == "mongodb://127.0.0.1:28555/flaskr"
    assert "already running on 127.0.0.1:28555" in capsys.readouterr().out


@pytest.mark.parametrize("var", ["MONGO_URI", "FLASKR_MONGO_URI"])
def test_given_database_is_used_as_is(launched, monkeypatch, var):
    monkeypatch.setenv(var, "mongodb://db.example:27017/prod")
    assert run.main() == 0
    assert launched["start"] == []
    assert launched["run"][0][1][var] == "mongodb://db.example:27017/prod"


def test_ctrl_c_waits_for_gunicorn_then_stops_the_database(launched):
    launched["app"] = FakeApp([KeyboardInterrupt(), 0])
    assert run.main() == 0
    assert not launched["app"].terminated
    assert launched["stop"] == ["db-proc"]


def test_gunicorn_that_will_not_stop_is_terminated(launched):
    launched["app"] = FakeApp([KeyboardInterrupt(), subprocess.TimeoutExpired("g", 30), -15])
    assert run.main() == -15
    assert launched["app"].terminated
    assert launched["stop"] == ["db-proc"]


def test_failed_init_db_stops_the_database(launched):
    launched["init_fails"] = True
    assert run.main() == 7
    assert launched["popen"] == []
    assert launched["stop"] == ["db-proc"]


def test_ctrl_c_during_init_db(launched, monkeypatch):
    def interrupted(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(run.subprocess, "run", interrupted)
    assert run.main() == 130
    assert launched["stop"] == ["db-proc"]


def test_gunicorn_gets_the_deploy_config_when_there_is_one(launched, monkeypatch):
    # A folder without deploy/gunicorn.conf.py: the launcher's own settings.
    assert run.main() == 0
    ((args, _),) = launched["popen"]
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
    ((_, app_env),) = launched["popen"]
    assert app_env["FLASKR_PUBLIC_URL"] == "http://127.0.0.1:5999"


def test_a_given_public_url_is_kept(launched, monkeypatch):
    monkeypatch.setenv("FLASKR_PUBLIC_URL", "https://auth.example.com")
    assert run.main() == 0
    ((_, app_env),) = launched["popen"]
    assert app_env["FLASKR_PUBLIC_URL"] == "https://auth.example.com"

"""The app under gunicorn for the load runs: gthread workers on a free loopback port."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flaskr_dev import embedded

from .harness import HOST, ROOT

# All load comes from 127.0.0.1: one address standing for thousands of people. The per-address
# limits are meant for the internet, so the load runs lift them (keys unknown to the app are
# ignored); the per-account ones stay on.
LOAD_ENV = {
    "FLASKR_LOGIN_MAX_FAILURES_PER_IP": "1000000000",
    "FLASKR_REGISTER_RATE_LIMIT": "1000000000 per hour",
    "FLASKR_SIGN_IN_RATE_LIMIT": "1000000000 per minute",
    "FLASKR_SESSION_MAX_PER_USER": "1000000000",
}


@dataclass
class Gunicorn:
    """The app under gunicorn (gthread workers) on a free loopback port."""

    uri: str
    workdir: Path
    workers: int
    threads: int
    rounds: int
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.port = embedded.free_port()
        instance = self.workdir / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "MONGO_URI": self.uri,
            "FLASKR_INSTANCE_PATH": str(instance),
            # A key made for this run only: every worker must share it.
            "FLASKR_SECRET_KEY": secrets.token_hex(32),
            "FLASKR_BCRYPT_ROUNDS": str(self.rounds),
            **LOAD_ENV,
            **self.extra_env,
        }
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        self.log = self.workdir / "gunicorn.log"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start; see {self.log}:\n{self.log_tail()}")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            conn.request("GET", "/auth/login")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        """The worker processes: children of the gunicorn master."""
        assert self.proc is not None
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                found.append(int(stat.parent.name))
        return sorted(found)

    def memory(self) -> list[dict[str, Any]]:
        """RSS and peak RSS (VmHWM) of each worker, in MB."""
        out = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
            out.append(
                {
                    "pid": pid,
                    "rss_mb": round(int(values.get("VmRSS", 0)) / 1024, 1),
                    "peak_rss_mb": round(int(values.get("VmHWM", 0)) / 1024, 1),
                }
            )
        return out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

"""The production front door, for real: Debian's nginx running deploy/nginx-flaskr.conf (only
its paths and ports replaced) with a certificate made here, in front of gunicorn.

nginx runs in the foreground as this test's child, with its own prefix, configuration, pid,
logs and temporary files in tmp, on free loopback ports; it is stopped by the test.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from flaskr_dev import embedded
from tests.support.live import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx-flaskr.conf"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for example.com and 127.0.0.1, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=example.com",
            "-addext",
            "subjectAltName=DNS:example.com,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def substituted(site: str, replacements: dict[str, str]) -> str:
    """`site` with each path or port replaced; every one must be there (the kit's file is
    what runs, so a change to it is noticed here rather than silently tested around)."""
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx-flaskr.conf no longer contains {old!r}"
        site = site.replace(old, new)
    return site


@dataclass
class FrontDoor:
    """nginx on `http_port` and `https_port`, proxying to gunicorn on `app_port`."""

    folder: Path
    app_port: int
    http_port: int = 0
    https_port: int = 0
    proc: subprocess.Popen | None = None

    def configure(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.https_port = embedded.free_port(), embedded.free_port()
        self.cert, key = make_certificate(self.folder)
        acme = self.folder / "acme"
        acme.mkdir(exist_ok=True)
        site = substituted(
            SITE.read_text(),
            {
                # Ports only (the test's traffic goes to 127.0.0.1 alone).
                "listen 80;": f"listen {self.http_port};",
                "listen [::]:80;": f"listen [::]:{self.http_port};",
                "listen 443 ssl http2;": f"listen {self.https_port} ssl http2;",
                "listen [::]:443 ssl http2;": f"listen [::]:{self.https_port} ssl http2;",
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.app_port};",
                "/etc/letsencrypt/live/example.com/fullchain.pem": str(self.cert),
                "/etc/letsencrypt/live/example.com/privkey.pem": str(key),
                "/srv/flaskr/flaskr/static/": str(ROOT / "flaskr" / "static") + "/",
                "/var/www/letsencrypt": str(acme),
            },
        )
        (self.folder / "site.conf").write_text(site)
        temp = self.folder / "temp"
        temp.mkdir(exist_ok=True)
        # As root, nginx's workers would switch to `nobody`, who cannot read tmp.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = self.folder / "nginx.conf"
        conf.write_text(
            f"""{user}daemon off;
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {self.folder}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.folder}/site.conf;
}}
"""
        )
        return conf

    def start(self) -> FrontDoor:
        conf = self.configure()
        args = [NGINX, "-p", str(self.folder), "-e", str(self.folder / "error.log"), "-c"]
        checked = subprocess.run([*args, str(conf), "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.proc = subprocess.Popen(
            [*args, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while not (embedded.port_open(self.http_port) and embedded.port_open(self.https_port)):
            assert self.proc.poll() is None, self.error_log()
            assert time.monotonic() < deadline, "nginx did not listen within 20 s"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish, then exit
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tls(self) -> ssl.SSLContext:
        """A client context that trusts only this test's certificate."""
        return ssl.create_default_context(cafile=str(self.cert))

    def https(self, timeout: float = 10) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=self.tls(), timeout=timeout
        )

    def slow_socket(self) -> ssl.SSLSocket:
        """A TLS connection to nginx that has begun a request and will take its time."""
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=10)
        conn = self.tls().wrap_socket(raw, server_hostname="127.0.0.1")
        conn.sendall(b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return conn

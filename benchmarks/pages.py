"""Page throughput: signed-in GET requests per second, with wrk or the Python generator."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
from typing import Any

from .cpu import CpuMeter
from .harness import HOST, load
from .server import Gunicorn

PAGES = ("/healthz", "/user", "/api/v1/me")


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def probe(port: int, path: str, cookies: dict[str, str]) -> int:
    """The status of one GET of `path` with `cookies`."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request("GET", path, headers={"Cookie": cookie})
    status = conn.getresponse().status
    conn.close()
    return status


def wrk(port: int, path: str, cookies: dict[str, str], seconds: float) -> dict[str, Any]:
    """Requests/s of GET `path` under wrk (2 threads, 16 connections)."""
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-H",
            f"Cookie: {cookie}",
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    return {
        "tool": "wrk -t2 -c16",
        "requests": int(total.group(1)) if total else 0,
        "per_s": float(rate.group(1)) if rate else 0.0,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "p50_ms": _wrk_ms(p50) if p50 else None,
    }


def _wrk_ms(match: re.Match) -> float:
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
    return round(float(match.group(1)) * scale, 2)


def python_get(port: int, path: str, cookies: dict[str, str], seconds: float) -> dict[str, Any]:
    """Requests/s of GET `path` from the Python load generator (when wrk is missing)."""
    got = load(
        {
            "mode": "get",
            "port": port,
            "concurrency": 16,
            "seconds": seconds,
            "paths": [path],
            "cookies": cookies,
        }
    )
    ok = sum(v for k, v in got["statuses"].items() if k.endswith(" 200"))
    return {
        "tool": "python http.client, 16 threads (may itself be the bottleneck)",
        "requests": got["requests"],
        "per_s": round(sum(got["in_window"].values()) / got["seconds"], 1),
        "non_2xx_3xx": got["requests"] - ok,
        "p50_ms": _r(got["p50_ms"]),
    }


def bench_pages(
    server: Gunicorn, cookies: dict[str, str], seconds: float, meter: CpuMeter | None = None
) -> dict[str, Any]:
    """Signed-in GET /user and /api/v1/me against GET /healthz on the same server."""
    measure = wrk if shutil.which("wrk") else python_get
    routes: dict[str, Any] = {}
    for path in PAGES:
        status = probe(server.port, path, cookies)
        if status != 200:
            routes[path] = {
                "missing": f"GET {path} answered {status} (signed in): the route is not "
                "in this app yet, so there is no figure"
            }
            continue
        before = meter.read() if meter else None
        routes[path] = measure(server.port, path, cookies, seconds)
        if meter:
            routes[path]["cpu_ms_per_request"] = meter.per_request(
                before, meter.read(), routes[path]["requests"]
            )
        # The session must still be valid afterwards, or the figure measured redirects.
        routes[path]["still_signed_in"] = probe(server.port, path, cookies) == 200
    result: dict[str, Any] = {"routes": routes}
    base = routes["/healthz"].get("per_s")
    for path in ("/user", "/api/v1/me"):
        rate = routes[path].get("per_s")
        if base and rate:
            result[f"ratio{path.replace('/', '_')}_to_healthz"] = round(rate / base, 3)
    if "ratio_api_v1_me_to_healthz" in result:
        result["target_api_v1_me"] = 0.5
        result["met"] = result["ratio_api_v1_me_to_healthz"] >= 0.5
    return result

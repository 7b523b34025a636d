"""`make bench` in miniature: every benchmark runs and writes valid JSON and a chart."""

from __future__ import annotations

import json

import pytest

from .conftest import run_python_module

pytestmark = pytest.mark.realdb

PNG = b"\x89PNG\r\n\x1a\n"


def assert_cpu_figures(cpu: dict, requests: int, *parties: str) -> None:
    """CPU ms per request for each party: numbers, none negative, counted over `requests`."""
    assert cpu["requests"] == requests > 0
    for party in ("app", "load", "total", *parties):
        assert isinstance(cpu[party], int | float) and cpu[party] >= 0, (party, cpu)
    # The run's database is the session's server, named by MONGO_URI: not this run's to read.
    assert cpu["database"] is None and "MONGO_URI" in cpu["not_measured"]["database"]
    assert cpu["total"] == pytest.approx(cpu["app"] + cpu["load"], abs=0.002)


def test_bench_smoke_writes_figures_and_chart(on_real_server, tmp_path):
    done = run_python_module("benchmarks", "--smoke", "--out", str(tmp_path), env=on_real_server)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((tmp_path / "latest.json").read_text())
    assert (tmp_path / "latest.png").read_bytes().startswith(PNG)
    assert "sign-in:" in done.stdout

    assert report["machine"]["cores"] >= 1
    assert report["bcrypt"]["rounds"] == 4
    assert report["bcrypt"]["ceiling_per_s"] > 0

    signin = report["signin"]
    assert signin["signins"] > 0
    assert signin["other_answers"] == {} and signin["errors"] == {}
    assert 0 < signin["p50_ms"] <= signin["p95_ms"] <= signin["p99_ms"]
    assert signin["ratio_to_ceiling"] > 0
    assert_cpu_figures(signin["cpu_ms_per_signin"], signin["signins"], "non_bcrypt")

    # Each page either has a figure from answers that were all 200, or says why not.
    routes = report["pages"]["routes"]
    assert set(routes) == {"/healthz", "/user", "/api/v1/me"}
    assert routes["/user"]["per_s"] > 0
    for path, figure in routes.items():
        if "missing" in figure:
            assert path in figure["missing"]
        else:
            assert figure["non_2xx_3xx"] == 0 and figure["still_signed_in"], path
            assert_cpu_figures(figure["cpu_ms_per_request"], figure["requests"])

    scale = report["scale"]
    assert scale["small"]["users"] == 30 and scale["large"]["users"] == 300
    assert scale["small"]["signins"] > 0 and scale["large"]["signins"] > 0
    assert scale["p50_ratio"] > 0

    workers = report["memory"]["workers"]
    assert len(workers) == report["settings"]["workers"]
    assert all(w["peak_rss_mb"] >= w["rss_mb"] > 0 for w in workers)

    # The README's table is made from the same figures, between its markers only.
    from benchmarks import table

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{table.START}\nold\n{table.END}\ntail\n")
    assert table.update_readme(readme, report)
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{table.END}\ntail\n")
    assert f"{signin['per_s']} sign-ins/s" in text
    assert "| `GET /user` (signed in) |" in text
    assert "| Sign-in (form GET + POST) |" in text and "Database not measured: MONGO_URI" in text


def test_bench_refuses_a_non_loopback_target():
    from benchmarks import loadgen

    with pytest.raises(SystemExit, match=r"127\.0\.0\.1"):
        loadgen.run({"mode": "get", "host": "10.0.0.1", "port": 80, "seconds": 1})

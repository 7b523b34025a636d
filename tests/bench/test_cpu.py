"""CPU by process: a tree counts its descendants and the children that exited; ms per request."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from benchmarks import cpu
from benchmarks.harness import Database

# Burns `seconds` of its own CPU time (not wall time), so the work is the same on a busy machine.
BURN = "import time\nwhile time.process_time() < {seconds}: pass\n"

# A parent that runs one child to the end (its time moves to the parent's cutime), then starts
# a second that burns and stays alive, and says "ready" once both have burned.
PARENT = textwrap.dedent(
    f"""
    import subprocess, sys
    burn = {BURN.format(seconds=0.2)!r}
    subprocess.run([sys.executable, "-c", burn], check=True)
    alive = subprocess.Popen([sys.executable, "-c", burn + "print('burned', flush=True)\\n"
                              + "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    alive.stdout.readline()
    print("ready", flush=True)
    sys.stdin.read()
    alive.stdin.close()
    alive.wait()
    """
)


def own_seconds(pid: int) -> float:
    fields = cpu._stat(pid)
    return (int(fields[11]) + int(fields[12])) / cpu.TICK


def test_a_tree_counts_its_descendants_and_the_children_that_exited():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout.readline() == "ready\n"
        assert len(cpu.descendants(parent.pid)) == 2  # the parent and the child still alive
        # 0.4 s burned below the parent; a clock tick lost in rounding per process and field.
        assert cpu.tree_seconds(parent.pid) - own_seconds(parent.pid) >= 0.3
    finally:
        parent.stdin.close()
        parent.wait(30)
        parent.stdout.close()


def test_the_load_is_what_children_used_once_they_exited():
    before = cpu.children_seconds()
    subprocess.run([sys.executable, "-c", BURN.format(seconds=0.2)], check=True)
    assert cpu.children_seconds() - before >= 0.15


def test_per_request_divides_each_party_and_says_what_it_did_not_measure():
    meter = cpu.CpuMeter({"app": 1}, {"database": "not ours"})
    before, after = {"app": 1.0, "load": 2.0}, {"app": 1.5, "load": 2.1}
    assert meter.per_request(before, after, 100) == {
        "requests": 100,
        "database": None,
        "app": 5.0,
        "load": 1.0,
        "total": 6.0,
        "not_measured": {"database": "not ours"},
    }
    assert meter.per_request(before, after, 0) == {
        "requests": 0,
        "not_measured": {"all": "no request completed"},
    }


def test_a_database_named_by_mongo_uri_is_not_measured(monkeypatch, tmp_path):
    monkeypatch.setenv("MONGO_URI", "mongodb://bench:s3cret@db.example:27017/x")
    server = SimpleNamespace(proc=SimpleNamespace(pid=4242))
    meter = cpu.meter_for(Database(tmp_path), server)
    assert meter.roots == {"app": 4242}
    reason = meter.not_measured["database"]
    assert "MONGO_URI" in reason and "db.example" in reason and "s3cret" not in reason


@pytest.mark.realdb
def test_the_embedded_database_is_measured_while_it_serves(monkeypatch, tmp_path):
    monkeypatch.delenv("MONGO_URI", raising=False)
    database = Database(tmp_path)
    database.start()
    try:
        meter = cpu.meter_for(
            database, SimpleNamespace(proc=SimpleNamespace(pid=database.proc.pid))
        )
        assert set(meter.roots) == {"database", "app"} and not meter.not_measured
        before = meter.read()
        for i in range(300):
            database.db.things.insert_one({"i": i})
            database.db.things.find_one({"i": i})
        assert meter.read()["database"] > before["database"]
    finally:
        database.stop()

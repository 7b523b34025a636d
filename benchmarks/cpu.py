"""CPU time by process during a run: the database, the app, the load generator.

Read from /proc/<pid>/stat, where utime + stime (fields 14 and 15) is what a process has
used and cutime + cstime (16 and 17) what its children that already exited used; summed
over a process tree, a child that exits during the run is still counted. The load generator
(the loadgen subprocess or wrk) is a child of this process that has exited by the end of the
run, so its share is the change in getrusage(RUSAGE_CHILDREN).
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .harness import Database
    from .server import Gunicorn

TICK = os.sysconf("SC_CLK_TCK")
PARTIES = ("database", "app", "load")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces or ")": split after the last one.
    return text.rsplit(")", 1)[1].split()


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from the parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_seconds(root: int) -> float:
    """CPU seconds used so far by `root`, its descendants, and their children that exited."""
    ticks = 0
    for pid in descendants(root):
        fields = _stat(pid)
        if fields is not None:
            # fields[11:15] are utime, stime, cutime, cstime (stat fields 14 to 17).
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / TICK


def children_seconds() -> float:
    """CPU seconds used by this process's children that exited and were waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuMeter:
    """Reads the CPU seconds of each party; `per_request` turns two reads into ms per request.

    `roots` maps a party to the pid at the top of its process tree; a party whose processes
    are not ours to read (a database named by MONGO_URI) is in `not_measured`, with the reason.
    """

    roots: dict[str, int]
    not_measured: dict[str, str] = field(default_factory=dict)

    def read(self) -> dict[str, float]:
        """CPU seconds used so far by each measured party."""
        seconds = {party: tree_seconds(pid) for party, pid in self.roots.items()}
        seconds["load"] = children_seconds()
        return seconds

    def per_request(
        self, before: dict[str, float], after: dict[str, float], requests: int
    ) -> dict[str, object]:
        """CPU ms per completed request of each party between two reads, and their total."""
        out: dict[str, object] = {"requests": requests}
        if requests <= 0:
            return {**out, "not_measured": {"all": "no request completed"}}
        total = 0.0
        for party in PARTIES:
            if party not in after:
                out[party] = None
                continue
            ms = max(0.0, after[party] - before[party]) * 1000 / requests
            out[party] = round(ms, 3)
            total += ms
        out["total"] = round(total, 3)
        if self.not_measured:
            out["not_measured"] = dict(self.not_measured)
        return out


def meter_for(database: Database, server: Gunicorn) -> CpuMeter:
    """The meter for one benchmark run: the embedded database (when it is ours) and gunicorn."""
    assert server.proc is not None, "start gunicorn first"
    # The app is the master and its workers: the master's own share is small, and counting
    # the whole tree keeps the time of a worker that gunicorn replaced during the run.
    if database.proc is None:
        reason = f"MONGO_URI names a server this run did not start ({database.label})"
        return CpuMeter({"app": server.proc.pid}, {"database": reason})
    return CpuMeter({"database": database.proc.pid, "app": server.proc.pid})

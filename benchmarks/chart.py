"""Draw the benchmark figures of latest.json as one PNG (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt


def draw(report: dict[str, Any], path: Path) -> None:
    """Sign-in rate vs ceiling, latency, page rates, memory per worker, then CPU by process."""
    cpu = "cpu_ms_per_signin" in report["signin"]  # older reports have no CPU figures
    fig, axes = plt.subplots(3 if cpu else 2, 2, figsize=(11, 11 if cpu else 7.5))
    m = report["machine"]
    fig.suptitle(
        f"flaskr on {m['cores']} cores ({m['cpu']}), {report.get('database', '?')}, "
        f"bcrypt {report['bcrypt']['rounds']} rounds, {report['started_at'][:10]}",
        fontsize=10,
    )
    _signin(axes[0][0], report)
    _latency(axes[0][1], report)
    _pages(axes[1][0], report)
    _memory(axes[1][1], report)
    if cpu:
        _cpu_signin(axes[2][0], report)
        _cpu_pages(axes[2][1], report)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _bars(ax, labels: list[str], values: list[float], colors: list[str] | None = None) -> None:
    bars = ax.bar(labels, values, color=colors)
    for bar, value in zip(bars, values, strict=True):
        if not value:
            continue
        ax.annotate(
            f"{value:g}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )


def _signin(ax, report: dict[str, Any]) -> None:
    ceiling = report["bcrypt"]["ceiling_per_s"]
    rate = report["signin"]["per_s"]
    _bars(ax, ["bcrypt ceiling", "measured"], [ceiling, rate], ["#999999", "#3070b0"])
    ax.axhline(0.95 * ceiling, color="#c03030", linestyle="--", linewidth=1, label="target 0.95")
    ax.set_title(f"Sign-ins per second ({report['signin']['users']:,} users)", fontsize=10)
    ax.set_ylim(0, max(ceiling, rate) * 1.15)
    ax.legend(fontsize=8, loc="upper right")


def _latency(ax, report: dict[str, Any]) -> None:
    runs = {
        f"throughput\n{report['signin']['users']:,} users": report["signin"],
        f"scale\n{report['scale']['small']['users']:,} users": report["scale"]["small"],
        f"scale\n{report['scale']['large']['users']:,} users": report["scale"]["large"],
    }
    width = 0.25
    for i, q in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        xs = [j + (i - 1) * width for j in range(len(runs))]
        ax.bar(xs, [r[q] or 0 for r in runs.values()], width, label=q.removesuffix("_ms"))
    ax.set_xticks(range(len(runs)), list(runs), fontsize=8)
    ax.set_ylabel("ms")
    ax.set_title("Sign-in latency", fontsize=10)
    ax.legend(fontsize=8)


def _pages(ax, report: dict[str, Any]) -> None:
    labels, values = [], []
    for path, r in report["pages"]["routes"].items():
        labels.append(path)
        values.append(r.get("per_s", 0))
    _bars(ax, labels, values, ["#999999", "#3070b0", "#30a060"][: len(labels)])
    for i, r in enumerate(report["pages"]["routes"].values()):
        if "missing" in r:
            ax.annotate("route not in\nthe app yet", (i, 0), ha="center", va="bottom", fontsize=8)
    ax.set_title("Signed-in GET requests per second", fontsize=10)


def _memory(ax, report: dict[str, Any]) -> None:
    workers = report["memory"]["workers"]
    labels = [f"worker {i + 1}" for i in range(len(workers))]
    _bars(ax, labels, [w["peak_rss_mb"] for w in workers], ["#a07030"] * len(workers))
    ax.set_ylabel("MB")
    ax.set_title("Peak RSS per worker after the runs", fontsize=10)


PARTY_COLORS = {"database": "#8060b0", "app": "#3070b0", "load": "#999999"}


def _stack(ax, labels: list[str], figures: list[dict[str, Any] | None], width: float = 0.8) -> None:
    """One bar per run, stacked by process, the total written on top."""
    bottoms = [0.0] * len(labels)
    for party, color in PARTY_COLORS.items():
        values = [(f or {}).get(party) for f in figures]
        unread = all(v is None for v in values)  # a database named by MONGO_URI is not ours
        heights = [v or 0 for v in values]
        label = f"{party} (not measured)" if unread else party
        ax.bar(labels, heights, width, bottom=bottoms, color=color, label=label)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for i, f in enumerate(figures):
        note = f"{f['total']:.2f}" if f and "total" in f else "not measured"
        ax.annotate(note, (i, bottoms[i]), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("CPU ms per request")
    ax.set_ylim(0, max(bottoms, default=0) * 1.2 or 1)
    ax.legend(fontsize=8, loc="upper right")


def _cpu_signin(ax, report: dict[str, Any]) -> None:
    _stack(ax, ["sign-in"], [report["signin"]["cpu_ms_per_signin"]], width=0.4)
    ax.set_xlim(-0.6, 1.4)
    bcrypt = report["bcrypt"]["median_ms"]
    ax.axhline(bcrypt, color="#c03030", linestyle="--", linewidth=1, label="one bcrypt check")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("CPU per sign-in, by process", fontsize=10)


def _cpu_pages(ax, report: dict[str, Any]) -> None:
    routes = report["pages"]["routes"]
    _stack(ax, list(routes), [r.get("cpu_ms_per_request") for r in routes.values()])
    ax.set_title("CPU per signed-in GET, by process", fontsize=10)

"""Draw the benchmark figures of latest.json as one PNG (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt


def draw(report: dict[str, Any], path: Path) -> None:
    """Four panels: sign-in rate vs ceiling, latency, page rates, memory per worker."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
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

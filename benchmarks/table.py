"""The README's benchmark table, made from latest.json (`python -m benchmarks.table`)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
SOAK_START, SOAK_END = "<!-- soak:start -->", "<!-- soak:end -->"


def _met(section: dict[str, Any]) -> str:
    if "met" not in section:
        return ""
    return "yes" if section["met"] else "**no**"


def _page(report: dict[str, Any], path: str) -> str:
    r = report["pages"]["routes"][path]
    if "missing" in r:
        return "not measured: the route is not in the app yet"
    return f"{r['per_s']:,.0f} requests/s (p50 {r['p50_ms']} ms, {r['tool']})"


def markdown(report: dict[str, Any]) -> str:
    """A markdown table and the chart, with the machine and settings they come from."""
    m, b, s, p, sc = (report[k] for k in ("machine", "bcrypt", "signin", "pages", "scale"))
    ratio_me = p.get("ratio_api_v1_me_to_healthz")
    rows = [
        (
            f"bcrypt ceiling ({b['rounds']} rounds)",
            f"{b['median_ms']} ms per check (median of {b['samples']}) → "
            f"{b['ceiling_per_s']} sign-ins/s on {b['cores']} cores "
            f"({b['parallel_checks_per_s']}/s measured with one thread per core)",
            "",
            "",
        ),
        (
            f"Sign-in throughput ({s['users']:,} users, {s['seconds']:g} s, "
            f"{s['concurrency']} at once)",
            f"{s['per_s']} sign-ins/s; p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
            f"p99 {s['p99_ms']} ms",
            f"≥ 0.95 of the ceiling (got {s.get('ratio_to_ceiling')})",
            _met(s),
        ),
        ("`GET /healthz`", _page(report, "/healthz"), "", ""),
        ("`GET /user` (signed in)", _page(report, "/user"), "", ""),
        (
            "`GET /api/v1/me` (signed in)",
            _page(report, "/api/v1/me"),
            f"≥ 0.5 of `/healthz` (got {ratio_me})" if ratio_me else "≥ 0.5 of `/healthz`",
            _met(p),
        ),
        (
            f"Scale: sign-in p50, {sc['small']['users']:,} → {sc['large']['users']:,} users",
            f"{sc['small']['p50_ms']} ms → {sc['large']['p50_ms']} ms",
            f"ratio ≤ 1.10 (got {sc['p50_ratio']})",
            _met(sc),
        ),
        (
            "Peak RSS per worker, after the runs",
            ", ".join(f"{w['peak_rss_mb']} MB" for w in report["memory"]["workers"]),
            "",
            "",
        ),
    ]
    lines = [
        f"Measured {report['started_at'][:16].replace('T', ' ')} UTC on {m['cores']} cores "
        f"({m['cpu']}, {m['memory_gb']} GB, Python {m['python']}) against "
        f"{report.get('database', '?')}; gunicorn with {report['settings']['workers']} gthread "
        f"workers of {report['settings']['threads']} threads; `make bench` took "
        f"{report['duration_s']:g} s.",
        "",
        "| Benchmark | Result | Target | Met |",
        "| --- | --- | --- | --- |",
        *(f"| {a} | {b_} | {c} | {d} |" for a, b_, c, d in rows),
        *cpu_markdown(report),
        "",
        "![Benchmark chart](benchmarks/results/latest.png)",
    ]
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2f}"


def _cpu_row(label: str, cpu: dict[str, Any] | None, beyond: bool = False) -> str:
    if cpu is None:
        return f"| {label} | not measured: the route is not in the app yet | | | | |"
    if "total" not in cpu:
        return f"| {label} | not measured: no request completed | | | | |"
    cells = [_ms(cpu[k]) for k in ("database", "app", "load", "total")]
    cells.append(_ms(cpu.get("non_bcrypt")) if beyond else "")
    return f"| {label} | {' | '.join(cells)} |"


def cpu_markdown(report: dict[str, Any]) -> list[str]:
    """The CPU table: ms of CPU per completed request, by process; empty for older reports."""
    signin = report["signin"].get("cpu_ms_per_signin")
    if signin is None:
        return []
    routes = report["pages"]["routes"]
    rows = [_cpu_row("Sign-in (form GET + POST)", signin, beyond=True)]
    for path, label in (
        ("/healthz", ""),
        ("/user", " (signed in)"),
        ("/api/v1/me", " (signed in)"),
    ):
        rows.append(_cpu_row(f"`GET {path}`{label}", routes[path].get("cpu_ms_per_request")))
    lines = [
        "",
        "CPU per request, by process, in ms: the CPU time each used during the run divided by "
        "the requests completed in it.",
        "",
        "| Run | Database | App (gunicorn) | Load generator | Total | Beyond one bcrypt check |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    for party, reason in signin.get("not_measured", {}).items():
        lines += ["", f"{party.capitalize()} not measured: {reason}; the totals leave it out."]
    return lines


def soak_markdown(report: dict[str, Any]) -> str:
    """The soak's checks and figures, with the machine they come from."""
    m, st, out = report["machine"], report["steady"], report["outage"]
    acc = st["accounts"]
    growth = st["rss_growth_last_half"]
    lines = [
        f"Soaked {report['started_at'][:16].replace('T', ' ')} UTC on {m['cores']} cores "
        f"against {report.get('database', '?')}: "
        + ("**all checks passed**." if report["passed"] else "**some checks failed**."),
        "",
        "| Check | Result |",
        "| --- | --- |",
        f"| Steady: {st['seconds']:g} s of mixed traffic | {st['requests']:,} requests "
        f"({st['per_s']}/s), 5xx: {sum(st['fivexx'].values())} |",
        f"| Accounts afterwards | {acc['registered']} registered, {acc['users_in_database']} in "
        f"the database as expected: {'yes' if acc['ok'] else '**no**'} |",
        "| Worker RSS growth over the second half | "
        + ("not judged" if growth is None else f"{100 * growth:.1f}%")
        + " |",
    ]
    if "checks" in out:
        ok = out["checks"]
        lines += [
            f"| Database down for {out['down_for_s']:g} s | answers while down: "
            f"{', '.join(f'{k}: {v}' for k, v in out['while_down'].items()) or 'none'}; "
            f"only 503: {'yes' if ok['only_503_while_down'] else '**no**'} |",
            f"| After the restart (+{report['settings']['recover_s']:g} s) | recovered: "
            f"{'yes' if ok['recovered'] else '**no**'}; accounts kept: "
            f"{'yes' if ok['accounts'] else '**no**'} |",
        ]
    else:
        lines.append(f"| Database outage | {out.get('skipped', 'not run')} |")
    return "\n".join(lines)


def update_readme(
    readme: Path, report: dict[str, Any], markers: tuple[str, str] = (START, END), render=None
) -> bool:
    """Replace the text between `markers` in `readme`; False if it has none."""
    start, end = markers
    text = readme.read_text()
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return False
    block = f"{start}\n{(render or markdown)(report)}\n{end}"
    readme.write_text(pattern.sub(lambda _: block, text))
    return True


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results"
    print(markdown(json.loads((path / "latest.json").read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

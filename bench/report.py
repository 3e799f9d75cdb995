"""The bench's outputs: bench/results/latest.{json,md,png}, and the ratios printed last."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# key, label, better ("low"/"high"/None for no ratio)
ROWS: list[tuple[str, str, str | None]] = [
    ("ws_p50_ms_1", "WS latency p50, 1 client (ms)", "low"),
    ("ws_p99_ms_1", "WS latency p99, 1 client (ms)", "low"),
    ("ws_p50_ms_100", "WS latency p50, 100 clients (ms)", "low"),
    ("ws_p95_ms_100", "WS latency p95, 100 clients (ms)", "low"),
    ("ws_p99_ms_100", "WS latency p99, 100 clients (ms)", "low"),
    ("ws_p50_ms_1000", "WS latency p50, 1,000 clients (ms)", "low"),
    ("ws_p95_ms_1000", "WS latency p95, 1,000 clients (ms)", "low"),
    ("ws_p99_ms_1000", "WS latency p99, 1,000 clients (ms)", "low"),
    ("ws_p50_ms_100_users", "WS latency p50, 100 users x 1 (ms)", "low"),
    ("ws_p99_ms_100_users", "WS latency p99, 100 users x 1 (ms)", "low"),
    ("ws_p50_ms_1000_users", "WS latency p50, 1,000 users x 1 (ms)", "low"),
    ("ws_p99_ms_1000_users", "WS latency p99, 1,000 users x 1 (ms)", "low"),
    ("log_p50_ms_calm", "log line p50, calm deployments (ms)", "low"),
    ("log_p99_ms_calm", "log line p99, calm deployments (ms)", "low"),
    ("log_lines_calm", "log lines received, calm deployments", None),
    ("ws_lost_updates_latency", "updates lost in the latency runs", None),
    ("updates_per_s", "updates/s reaching a client (every update pushed)", "high"),
    ("lost_updates", "updates lost at that rate", None),
    ("reported_per_s_coalesced", "updates/s reported, coalesced (100 ms)", "high"),
    ("delivered_per_s_coalesced", "messages/s delivered, coalesced", None),
    ("last_update_carried", "streams whose last update reached the client", None),
    ("lost_final_states", "final states lost (all runs)", None),
    ("final_states_expected", "final states expected (all runs)", None),
    ("idle_connections", "idle connections held by one web process", "high"),
    ("kib_per_connection", "memory per connection (KiB)", "low"),
    ("idle_cpu_percent", "web process CPU while idle (%)", "low"),
    ("fanout_ms_all", "fan one event out to all (ms)", "low"),
    ("poll_rps_200", "polls/s, full answer (200)", "high"),
    ("poll_p99_ms_200", "poll p99, full answer (ms)", "low"),
    ("poll_rps_304", "polls/s, If-None-Match (304)", "high"),
    ("poll_p99_ms", "poll p99, cheapest answer (ms)", "low"),
    ("noop_per_s_untracked", "no-op tasks/s, untracked", None),
    ("noop_per_s_tracked", "no-op tasks/s, tracked", "high"),
    ("tracked_ratio", "tracked / untracked throughput", "high"),
    ("statements_per_tracked_task", "SQL statements per tracked task", "low"),
]


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(key: str, better: str | None, results: dict[str, Any]) -> tuple[float, str] | None:
    ours, peer = results["taskpulse"].get(key), results["celery_progress"].get(key)
    if better is None or not isinstance(ours, int | float) or not isinstance(peer, int | float):
        return None
    if better == "low" and ours > 0:
        return peer / ours, "lower"
    if better == "high" and peer > 0:
        return ours / peer, "higher"
    return None


def describe(advantage: float) -> str:
    """'2.1x better' or '3.3x worse': an advantage below 1 is a loss, said as one."""
    return f"{advantage:.1f}x better" if advantage >= 1 else f"{1 / advantage:.1f}x worse"


def markdown(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    lines = [
        f"# TaskPulse vs celery-progress ({meta.get('mode', '')}, {meta.get('when', '')})",
        "",
        f"{meta.get('machine', '')}; TaskPulse layer: {meta.get('layer', '')}; load average "
        f"(1, 5, 15 min) at the start and the end: {meta.get('load_average', '-')}",
        "",
        "| metric | TaskPulse | celery-progress | TaskPulse vs peer |",
        "|---|---:|---:|---:|",
    ]
    for key, label, better in ROWS:
        ours, peer = results["taskpulse"].get(key), results["celery_progress"].get(key)
        if ours is None and peer is None:
            continue
        r = ratio(key, better, results)
        shown = f"{describe(r[0])} ({r[1]} is better)" if r else ""
        lines.append(f"| {label} | {fmt(ours)} | {fmt(peer)} | {shown} |")
    notes = meta.get("notes") or []
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def ratio_lines(results: dict[str, Any]) -> list[str]:
    out = []
    for key, _label, better in ROWS:
        r = ratio(key, better, results)
        if r:
            out.append(
                f"  {key}: TaskPulse {describe(r[0])} than celery-progress ({r[1]} is better)"
            )
    return out


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours, peer = results["taskpulse"], results["celery_progress"]
    panels = [
        ("WebSocket latency p99 (ms, log)", ["ws_p99_ms_1", "ws_p99_ms_100", "ws_p99_ms_1000",
                                              "ws_p99_ms_100_users"], ["1", "100", "1,000",
                                                                       "100 users"], True),
        ("Updates/s reaching a client", ["updates_per_s"], ["every update pushed"], False),
        ("Polls/s", ["poll_rps_200", "poll_rps_304"], ["200", "304 / peer"], False),
        ("Idle connections: KiB each; fan-out ms", ["kib_per_connection", "fanout_ms_all"],
         ["KiB/conn", "fan-out ms"], False),
        ("No-op tasks/s", ["noop_per_s_untracked", "noop_per_s_tracked"],
         ["untracked", "tracked"], False),
    ]  # fmt: skip
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.2))
    for axis, (title, keys, labels, log) in zip(axes, panels, strict=True):
        xs = range(len(keys))
        a = [float(ours.get(k) or 0) for k in keys]
        b = [float(peer.get(k) or (peer.get("poll_rps_200") if k == "poll_rps_304" else 0) or 0)
             for k in keys]  # fmt: skip
        axis.bar([x - 0.2 for x in xs], a, width=0.4, label="TaskPulse", color="#2563eb")
        axis.bar([x + 0.2 for x in xs], b, width=0.4, label="celery-progress", color="#f97316")
        axis.set_xticks(list(xs), labels)
        axis.set_title(title, fontsize=10)
        if log:
            axis.set_yscale("log")
    axes[0].legend()
    figure.suptitle(f"TaskPulse vs celery-progress, same run ({results['meta'].get('mode')})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict[str, Any], *, name: str = "latest") -> str:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(results, indent=2, sort_keys=True))
    table = markdown(results)
    (RESULTS_DIR / f"{name}.md").write_text(table)
    chart(results, RESULTS_DIR / f"{name}.png")
    return table

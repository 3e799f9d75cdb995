"""`make bench LAYERS=1`: TaskPulse on each channel layer choice, one fresh stack per choice.

RedisChannelLayer or RedisPubSubChannelLayer, over TCP or the embedded Redis's unix socket,
msgpack or orjson. Written to bench/results/layers.{md,json}; the peer is not run here.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import replace
from typing import Any

from bench.report import RESULTS_DIR

VARIANTS: dict[str, dict[str, str]] = {
    "core tcp msgpack": {"BENCH_LAYER": "core", "BENCH_SERIALIZER": "msgpack"},
    "core unix msgpack": {"BENCH_LAYER": "core", "BENCH_SERIALIZER": "msgpack", "unix": "1"},
    "core tcp orjson": {"BENCH_LAYER": "core", "BENCH_SERIALIZER": "orjson"},
    "pubsub tcp msgpack": {"BENCH_LAYER": "pubsub", "BENCH_SERIALIZER": "msgpack"},
    "pubsub unix msgpack": {"BENCH_LAYER": "pubsub", "BENCH_SERIALIZER": "msgpack", "unix": "1"},
    "pubsub tcp orjson": {"BENCH_LAYER": "pubsub", "BENCH_SERIALIZER": "orjson"},
}
KEYS = ["ws_p50_ms_100", "ws_p99_ms_100", "ws_p99_ms_1000", "ws_p99_ms_100_users",
        "updates_per_s", "lost_updates", "fanout_ms_all", "kib_per_connection",
        "lost_final_states", "final_states_expected"]  # fmt: skip


async def measure(bench: Any) -> None:
    import aiohttp

    from bench.clients import raise_fd_limit

    raise_fd_limit()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await bench.latency(session)
        await bench.many_users(session)
        await bench.throughput(session)
        await bench.idle(session)
    expected, seen = bench.finals["tp"]
    bench.tp.update(lost_final_states=expected - seen, final_states_expected=expected)


def one_variant(plan: Any, name: str, env: dict[str, str]) -> dict[str, Any]:
    """Runs in a child process: settings are read once per process."""
    from bench.run import Bench

    print(f"layers: {name}", flush=True)
    bench = Bench(plan, profile=False, systems=("tp",))
    layer_env = {k: v for k, v in env.items() if k != "unix"}
    try:
        bench.start_redis_only()
        if env.get("unix"):
            layer_env["BENCH_LAYER_URL"] = bench.redis.unix_url
        bench.start(layer_env)
        asyncio.run(measure(bench))
    finally:
        bench.stop()
    return {key: bench.tp.get(key) for key in KEYS}


def compare_layers(plan: Any) -> None:
    import subprocess
    import sys

    plan = replace(plan, latency_tiers=(100, 1000), user_tiers=(100,), throughput_runs=1,
                   idle_max=1000, idle_step=1000)  # fmt: skip
    rows: dict[str, Any] = {}
    for name in VARIANTS:
        out = subprocess.run(
            [sys.executable, "-m", "bench.layers", name, "1" if plan.quick else "0"],
            env=os.environ, capture_output=True, text=True, check=False,
        )  # fmt: skip
        print(out.stdout[-3000:], out.stderr[-2000:] if out.returncode else "", flush=True)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        rows[name] = json.loads(lines[-1]) if lines else {"error": out.returncode}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "layers.json").write_text(json.dumps(rows, indent=2))
    table = ["| layer | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for name, row in rows.items():
        table.append(f"| {name} | " + " | ".join(str(row.get(k, "-")) for k in KEYS) + " |")
    (RESULTS_DIR / "layers.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


def main() -> None:
    import sys

    from bench.run import Plan

    name, quick = sys.argv[1], sys.argv[2] == "1"
    plan = replace(Plan.make(quick), latency_tiers=(100, 1000), user_tiers=(100,),
                   throughput_runs=1, idle_max=1000, idle_step=1000)  # fmt: skip
    print(json.dumps(one_variant(plan, name, VARIANTS[name])), flush=True)


if __name__ == "__main__":
    main()

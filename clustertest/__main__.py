"""`make cluster-test` (python -m clustertest [--broker redis|rabbitmq|both] [--quick] [--netns]).

Two web processes, three Celery workers and beat on PostgreSQL, with an embedded Redis as
channel layer and cache and Redis or RabbitMQ as the broker (clustertest/topology.py),
checked with real WebSocket clients (clustertest/scenarios.py). One table per broker; the
exit code is 1 when a column that must be zero is not. Every process is ended by its pid,
the database, the RabbitMQ vhost and any network namespace are removed at the end, on
failure and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "backend")]

from chaos.stack import RECOVERY_WINDOW, THRESHOLDS  # noqa: E402
from clustertest.report import Row, failed, harness_error, table  # noqa: E402
from clustertest.topology import (  # noqa: E402
    RABBITMQ,
    Cluster,
    Loopback,
    Placement,
    rabbitmqctl,
    reachable,
    remove_leftovers,
)

CHECKS = ("a", "b", "c", "d", "e", "f")
INTERRUPTED = 130
USERS = 30


def skip_reason(broker: str) -> str | None:
    """Why this run cannot be made here, or None."""
    if not reachable("127.0.0.1", 5432):
        return "PostgreSQL is not reachable at 127.0.0.1:5432"
    if broker == "rabbitmq":
        if not reachable(*RABBITMQ[:2]):
            return "RabbitMQ is not reachable at 127.0.0.1:5672"
        try:
            answer = rabbitmqctl("status", timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"rabbitmqctl cannot be run ({exc}), so no vhost of its own can be made"
        if answer.returncode != 0:
            said = answer.stderr.strip()[-200:]
            return f"rabbitmqctl status failed, so no vhost of its own can be made: {said}"
    return None


def placement_for(netns: bool) -> Placement:
    if not netns:
        return Loopback()
    from clustertest.netns import Namespaces

    return Namespaces.create()


def prepare_django(cluster: Cluster) -> None:
    import django
    from django.core.management import call_command

    os.environ.update(cluster.env())
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def run_checks(cluster: Cluster, quick: bool, only: set[str]) -> tuple[list[Row], dict[str, str]]:
    from clustertest.scenarios import Checks

    checks = Checks(cluster, quick)
    checks.prepare(USERS)
    plan: list[tuple[str, str, Callable[[], Row | None]]] = [
        ("a", "a. every event on both webs", checks.every_event),
        ("b", "b. web-1 SIGKILLed", checks.web_killed),
        ("c", "c. worker SIGKILLed mid-task", lambda: checks.worker_killed(
            0, beats=1, name="c. worker SIGKILLed mid-task")),
        ("d", "d. two beats at once", lambda: checks.worker_killed(
            1, beats=2, name="d. two beats at once, worker killed")),
        ("e", "e. launches over 2 webs", checks.many_launches),
        ("f", "f. fan-out", checks.fan_out),
    ]  # fmt: skip
    if cluster.placement.name != "loopback":
        from clustertest.netns import partitions

        plan += partitions(checks)
        only = only | {"p"}
        if "f" in only:
            checks.figures["f. fan-out"] = "loopback run only (bench's clients load loopback only)"
            only = only - {"f"}
    rows: list[Row] = []
    try:
        for key, name, check in plan:
            if key[0] not in only:
                continue
            print(f"cluster-test [{cluster.broker}]: {name}...", flush=True)
            try:
                row = check()
            except Exception as exc:  # the row says it; the next check still runs
                row = harness_error(name, exc)
            if row is not None:
                rows.append(row)
                print(f"cluster-test [{cluster.broker}]: {row}", flush=True)
    finally:
        checks.stop()
    if cluster.broker == "rabbitmq":
        explain_recovery(rows)
    return rows, checks.figures


def explain_recovery(rows: list[Row]) -> None:
    """With RabbitMQ, recovery can only see the broker through what task_manager.broker
    offers; when that is Redis keys alone, a failing recovery row says so."""
    import task_manager.broker as broker

    views = [n for n in dir(broker) if n.endswith("Broker") and n not in ("Broker", "RedisBroker")]
    if views:
        return
    for row in rows:
        if row.failing and row.check[0] in "cd":
            row.note += (
                "; RECOVERY READS REDIS KEYS: task_manager.broker has only RedisBroker, "
                "which sees neither RabbitMQ's queues nor its unacknowledged messages"
            )


def one_run(broker: str, quick: bool, netns: bool, only: set[str]) -> int:
    reason = skip_reason(broker)
    if reason:
        print(f"cluster-test [{broker}]: skipped: {reason}")
        return 0
    began = time.monotonic()
    remove_leftovers()
    try:
        placement = placement_for(netns)
    except Exception as exc:  # NamespacesUnavailable, or what `ip` refused
        print(f"cluster-test [{broker}]: network namespaces skipped: {exc}")
        return 0
    cluster = Cluster(broker, placement, f"taskpulse-cluster-{os.getpid()}-{broker}")
    rows: list[Row] = []
    figures: dict[str, str] = {}
    interrupted = False
    try:
        cluster.create_database()
        cluster.redis.start()
        if broker == "rabbitmq":
            cluster.create_vhost()
        prepare_django(cluster)
        cluster.build()
        cluster.start()
        print(f"cluster-test [{broker}]: up in {time.monotonic() - began:.0f}s "
              f"({placement.name}; logs in {cluster.folder})", flush=True)  # fmt: skip
        rows, figures = run_checks(cluster, quick, only)
    except Exception as exc:
        rows.append(harness_error("cluster start", exc))
    except KeyboardInterrupt:
        interrupted = True  # cleaned up below, then said
    finally:
        # A second Ctrl-C (a terminal sends one per press) must not cut the cleanup short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
        from django.db import connections

        connections.close_all()
        cluster.drop_database()
        cluster.delete_vhost()
        placement.close()
    if interrupted:
        print(f"cluster-test [{broker}]: interrupted; its processes, database, vhost and "
              f"namespaces are removed")  # fmt: skip
        return INTERRUPTED
    thresholds = ", ".join(f"{k.removeprefix('TASKPULSE_')}={v}" for k, v in THRESHOLDS.items())
    footer = (f"{'quick' if quick else 'full'} run, broker {broker}, {placement.name}, PostgreSQL; "
              f"{(time.monotonic() - began) / 60:.1f} min; {thresholds}; "
              f"recovery window {RECOVERY_WINDOW:.0f}s")  # fmt: skip
    print(table(rows, figures, footer), flush=True)
    failures = failed(rows)
    if failures:
        print(f"cluster-test [{broker}]: must-be-zero columns are not zero: {'; '.join(failures)}")
    return 1 if failures else 0


def interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m clustertest")
    parser.add_argument("--broker", choices=("redis", "rabbitmq", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="reduced sizes (CLUSTER=quick)")
    parser.add_argument("--netns", action="store_true", help="each host in a network namespace")
    parser.add_argument("--only", default=",".join(CHECKS), help="comma-separated checks (a-f)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the parent of "both" ignores it
    if args.broker != "both":
        only = {c.strip() for c in args.only.split(",") if c.strip()}
        raise SystemExit(one_run(args.broker, args.quick, args.netns, only))
    # One process per broker: each sets up Django for its own database. Ctrl-C reaches the
    # child, which cleans up; this process waits for it instead of killing it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    codes = []
    for broker in ("redis", "rabbitmq"):
        options = [*(["--quick"] if args.quick else []), *(["--netns"] if args.netns else [])]
        argv = [sys.executable, "-m", "clustertest", "--broker", broker, "--only", args.only,
                *options]  # fmt: skip
        codes.append(subprocess.call(argv, cwd=REPO_DIR))
        if codes[-1] == INTERRUPTED:
            break
    raise SystemExit(max(codes))


if __name__ == "__main__":
    main()

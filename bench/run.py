"""`make bench` (python -m bench.run [--quick] [--profile] [--layers]).

One run, one stack (an embedded Redis, one Celery worker, one web process), two systems measured
on it with the same task shape: TaskPulse and celery-progress 0.5. Everything binds to
127.0.0.1; every load is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_DIR), str(REPO_DIR / "backend")]
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

from config.env import VAR_DIR  # noqa: E402

BENCH_VAR = VAR_DIR / "bench"
FANOUT_WAIT = 30
NOOP_SEND_SECONDS = 10
USERS_QUIET = 20  # seconds without a message after which a many-users run stops waiting


@dataclass(frozen=True)
class Plan:
    """How much of each measurement: QUICK=1 stays under 5 minutes on 2 cores, a full run
    under 15 (both on an otherwise quiet machine)."""

    quick: bool
    latency_tiers: tuple[int, ...] = (1, 100, 1000)
    user_tiers: tuple[int, ...] = (100,)
    latency_updates: int = 80
    one_client_updates: int = 200  # a p99 of its own samples, not their maximum
    latency_period: float = 0.15  # slower than the 100 ms coalescing: every update is pushed
    user_rounds: int = 12
    throughput_seconds: float = 6.0
    throughput_runs: int = 2
    idle_max: int = 5000
    idle_step: int = 1000
    # The idle web process's CPU is read over one WebSocket ping interval (uvicorn's 20 s):
    # its pings are most of it, and a shorter window counts some sockets' pings and not others.
    idle_seconds: float = 20.0
    poll_seconds: float = 8.0
    poll_concurrency: int = 16
    noop_count: int = 800
    calm_deployments: int = 2
    calm_steps: int = 100  # 200 lines: a p99, not the slowest line
    calm_period: float = 0.3

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if not quick:
            return cls(quick=False, user_tiers=(100, 1000))
        return cls(quick=True, latency_updates=40, one_client_updates=100, user_rounds=8,
                   throughput_seconds=3.0, throughput_runs=1, idle_max=1500, idle_step=500,
                   poll_seconds=3.0, noop_count=300, calm_steps=15)  # fmt: skip


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[rank], 2)


class Bench:
    """The stack, the two systems' accounts, and the figures as they come in."""

    def __init__(self, plan: Plan, *, profile: bool, systems: tuple[str, ...] = ("tp", "peer")):
        self.plan = plan
        self.profile = profile
        self.systems = systems
        self.tp: dict[str, Any] = {}
        self.peer: dict[str, Any] = {}
        self.finals = {"tp": [0, 0], "peer": [0, 0]}  # expected, seen
        self.notes: list[str] = []
        self.load_at_start = os.getloadavg()  # 1, 5, 15 minutes

    # --- stack ------------------------------------------------------------------------

    def start_redis_only(self) -> None:
        from bench.stack import start_redis

        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        self.redis = start_redis(BENCH_VAR / "redis")
        os.environ["REDIS_URL"] = self.redis.url

    def start(self, layer_env: dict[str, str] | None = None) -> None:
        from bench.stack import bench_env

        if getattr(self, "redis", None) is None:
            self.start_redis_only()
        os.environ.update(layer_env or {})
        self.env = bench_env(REDIS_URL=self.redis.url)
        self.prepare_database()
        self.start_processes()

    def start_processes(self) -> None:
        from bench.stack import WebServer, Worker
        from config.celery import app

        self.worker = Worker(BENCH_VAR / "worker.log", self.env)
        self.worker.wait_ready(app)
        self.web = WebServer(BENCH_VAR / "web.log", self.env)

    def stop(self) -> None:
        for name in ("web", "worker"):
            process = getattr(self, name, None)
            if process is not None:
                process.stop()
        if getattr(self, "redis", None) is not None:
            self.redis.stop()

    def prepare_database(self) -> None:
        import django
        from django.conf import settings
        from django.core.management import call_command

        database = Path(str(settings.DATABASES["default"]["NAME"]))
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        django.setup()
        if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", interactive=False, verbosity=0)
        self.make_users(max(self.plan.user_tiers))

    def make_users(self, count: int) -> None:
        from django.contrib.auth.models import User
        from rest_framework.authtoken.models import Token

        self.owner = User.objects.create_user("bench-owner")
        self.owner_token = Token.objects.create(user=self.owner).key
        users = User.objects.bulk_create(User(username=f"bench-user-{i}") for i in range(count))
        tokens = Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
        self.users = list(zip(users, [t.key for t in tokens], strict=True))

    # --- launching --------------------------------------------------------------------

    def launch_tp(self, name: str, user: Any = None, **kwargs: Any) -> int:
        from task_manager import tracking

        return tracking.execution_launch(task=name, user=user or self.owner, kwargs=kwargs).pk

    def launch_peer(self, name: str, task_id: str, **kwargs: Any) -> str:
        from config.celery import app

        app.send_task(name, kwargs=kwargs, task_id=task_id)
        return task_id

    def tp_targets(self, count: int) -> list[tuple[str, tuple[str, ...], Any]]:
        protocols = ("taskpulse", f"token.{self.owner_token}")
        return [(f"{self.web.ws_url}/ws/tasks/", protocols, None)] * count

    def peer_targets(self, task_id: str, count: int) -> list[tuple[str, tuple[str, ...], Any]]:
        return [(f"{self.web.ws_url}/ws/progress/{task_id}/", (), task_id)] * count

    def count_finals(self, system: str, audience: Any, streams: int) -> int:
        expected = len(audience.sockets) * streams
        seen = sum(min(n, len(audience.sockets)) for n in audience.tally.finals.values())
        self.finals[system][0] += expected
        self.finals[system][1] += seen
        return expected - seen

    # --- (a) latency ------------------------------------------------------------------

    async def latency(self, session: Any) -> None:
        for clients in self.plan.latency_tiers:
            for system in self.systems:
                await self.latency_tier(session, clients, system)

    async def latency_tier(self, session: Any, clients: int, system: str) -> None:
        from bench.clients import Audience, peer_message, taskpulse_message

        plan = self.plan
        # One web process sends clients x updates/s frames: pace the updates so that the tier
        # measures latency, not a backlog (1,000 clients: 2 updates/s, 2,000 frames/s).
        period = max(plan.latency_period, clients / 2000)
        updates = plan.one_client_updates if clients == 1 else plan.latency_updates
        kwargs = {"count": updates, "period": period}
        if system == "tp":
            audience = Audience(session, taskpulse_message)
            await audience.open(self.tp_targets(clients), hello=True)
            self.last_tp_execution = await asyncio.to_thread(
                self.launch_tp, "bench.tp_stream", **kwargs
            )
        else:
            task_id = str(uuid.uuid4())
            audience = Audience(session, peer_message)
            await audience.open(self.peer_targets(task_id, clients), hello=False)
            self.last_peer_task = await asyncio.to_thread(
                self.launch_peer, "celery.bench_cp_stream", task_id, **kwargs
            )
        await audience.wait_finals(1, timeout=updates * period + 30)
        await asyncio.sleep(0.3)
        await audience.close()
        self.record_latency(system, f"{clients}", audience, updates)

    def record_latency(self, system: str, tier: str, audience: Any, updates: int) -> None:
        tally, out = audience.tally, self.tp if system == "tp" else self.peer
        for q in (50, 95, 99):
            out[f"ws_p{q}_ms_{tier}"] = percentile(tally.latencies_ms, q)
        out[f"ws_clients_{tier}"] = len(audience.sockets)
        expected = updates * out[f"ws_clients_{tier}"]
        out["ws_lost_updates_latency"] = out.get("ws_lost_updates_latency", 0) + max(
            0, expected - tally.received
        )
        self.count_finals(system, audience, streams=max(1, len(tally.finals)))
        p50, p99 = out[f"ws_p50_ms_{tier}"], out[f"ws_p99_ms_{tier}"]
        print(f"  {system:4} {tier:>5} clients: p50 {p50} ms, p99 {p99} ms, "
              f"{tally.received}/{expected} updates", flush=True)  # fmt: skip

    # --- (a) calm deployments' log lines --------------------------------------------------

    async def calm_logs(self, session: Any) -> None:
        """Deployments as someone watches them (a step and its log line every 0.3 s): the
        latency of each line, from the worker's report to a subscribed client. TaskPulse
        only: celery-progress has no log lines."""
        from bench.clients import Audience, taskpulse_log_message

        plan = self.plan
        audience = Audience(session, taskpulse_log_message)
        await audience.open(self.tp_targets(1), hello=True)
        for index in range(plan.calm_deployments):
            # Each starts after its `lead` (the client subscribes meanwhile), the next one
            # a fraction of a period later: deployments are not phase-locked to each other.
            lead = 1.0 + index * plan.calm_period / plan.calm_deployments
            kwargs = {"count": plan.calm_steps, "period": plan.calm_period, "lead": lead}
            pk = await asyncio.to_thread(self.launch_tp, "bench.tp_calm", **kwargs)
            await audience.sockets[0].send_json({"action": "subscribe", "execution_id": pk})
        await audience.wait_finals(plan.calm_deployments,
                                   timeout=plan.calm_steps * plan.calm_period * 3 + 30)  # fmt: skip
        await asyncio.sleep(0.3)
        await audience.close()
        tally, expected = audience.tally, plan.calm_deployments * plan.calm_steps
        for q in (50, 99):
            self.tp[f"log_p{q}_ms_calm"] = percentile(tally.latencies_ms, q)
        self.tp["log_lines_calm"] = f"{tally.received}/{expected}"
        self.count_finals("tp", audience, streams=plan.calm_deployments)
        p50, p99 = self.tp["log_p50_ms_calm"], self.tp["log_p99_ms_calm"]
        print(f"  tp   calm log lines: p50 {p50} ms, p99 {p99} ms, "
              f"{tally.received}/{expected} lines", flush=True)  # fmt: skip

    # --- (a) many users ---------------------------------------------------------------

    async def many_users(self, session: Any) -> None:
        for users in self.plan.user_tiers:
            for system in self.systems:
                await self.many_users_tier(session, users, system)

    async def many_users_tier(self, session: Any, users: int, system: str) -> None:
        from bench.clients import Audience, peer_message, taskpulse_message
        from task_manager.tracking import start_task_tracking

        rounds, period = self.plan.user_rounds, max(0.3, users / 400)
        task_ids = [str(uuid.uuid4()) for _ in range(users)]
        if system == "tp":
            audience = Audience(session, taskpulse_message)

            def create() -> None:
                for task_id, (user, _token) in zip(task_ids, self.users, strict=False):
                    start_task_tracking(task_id, name="bench.fleet", module="bench", user=user)

            await asyncio.to_thread(create)
            targets = [(f"{self.web.ws_url}/ws/tasks/", ("taskpulse", f"token.{token}"), None)
                       for _user, token in self.users[:users]]  # fmt: skip
            await audience.open(targets, hello=True)
            name = "celery.bench_tp_fleet"
        else:
            audience = Audience(session, peer_message)
            targets = [t for task_id in task_ids for t in self.peer_targets(task_id, 1)]
            await audience.open(targets, hello=False)
            name = "celery.bench_cp_fleet"
        await asyncio.to_thread(self.launch_peer, name, str(uuid.uuid4()), task_ids=task_ids,
                                rounds=rounds, period=period)  # fmt: skip
        deadline = time.monotonic() + rounds * period * 3 + 120
        while time.monotonic() < deadline and len(audience.tally.finals) < users:
            if audience.tally.received and time.time() - audience.tally.heard_at > USERS_QUIET:
                break  # nothing for long: the missing ends are lost, not late
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)
        await audience.close()
        tally, out = audience.tally, self.tp if system == "tp" else self.peer
        for q in (50, 95, 99):
            out[f"ws_p{q}_ms_{users}_users"] = percentile(tally.latencies_ms, q)
        expected, seen = users, sum(min(1, n) for n in tally.finals.values())
        self.finals[system][0] += expected
        self.finals[system][1] += seen
        print(f"  {system:4} {users:>5} users x 1: p50 {out[f'ws_p50_ms_{users}_users']} ms, "
              f"p99 {out[f'ws_p99_ms_{users}_users']} ms, {tally.received}/{users * rounds} "
              f"updates, {seen}/{expected} finals", flush=True)  # fmt: skip

    # --- (b) throughput ---------------------------------------------------------------

    async def throughput(self, session: Any) -> None:
        from bench.stack import WORKER_CONCURRENCY, profiled

        seconds, streams = self.plan.throughput_seconds, WORKER_CONCURRENCY
        big = 10_000_000
        totals: dict[str, list[float]] = {"tp0": [0, 0, 0, 0], "tp": [0, 0, 0, 0],
                                          "peer": [0, 0, 0, 0]}  # fmt: skip
        for run in range(self.plan.throughput_runs):
            for mode in [m for m in ("tp0", "peer", "tp") if m.rstrip("0") in self.systems]:
                with profiled(BENCH_VAR / "profiles", f"throughput-{mode}",
                              [self.web.pid, *self.worker.pids()],
                              enabled=self.profile and run == 0 and mode != "tp"):  # fmt: skip
                    got = await self.stream_flat_out(session, mode, streams, seconds, big)
                totals[mode] = [a + b for a, b in zip(totals[mode], got, strict=True)]
        runs = streams * self.plan.throughput_runs
        for mode, (delivered, reported, secs, carried) in totals.items():
            rate = round(delivered / secs, 1) if secs else None
            if mode == "tp0":
                self.tp.update(updates_per_s=rate, lost_updates=int(reported - delivered))
            elif mode == "peer":
                self.peer.update(updates_per_s=rate, lost_updates=int(reported - delivered),
                                 last_update_carried=f"{int(carried)}/{runs}")  # fmt: skip
            else:
                self.tp.update(
                    reported_per_s_coalesced=round(
                        reported / (seconds * self.plan.throughput_runs), 1
                    ),
                    delivered_per_s_coalesced=rate,
                    last_update_carried=f"{int(carried)}/{runs}",
                )

    async def stream_flat_out(self, session: Any, mode: str, streams: int, seconds: float,
                              big: int) -> list[float]:  # fmt: skip
        """Streams reporting as fast as they can; returns delivered, reported, s, carried."""
        from bench.clients import Audience, peer_message, taskpulse_message

        kwargs: dict[str, Any] = {"count": big, "period": 0.0, "duration": seconds}
        if mode.startswith("tp"):
            audience = Audience(session, taskpulse_message)
            await audience.open(self.tp_targets(1), hello=True)
            if mode == "tp0":
                kwargs["interval_ms"] = 0
            for _ in range(streams):
                await asyncio.to_thread(self.launch_tp, "bench.tp_stream", **kwargs)
        else:
            audience = Audience(session, peer_message)
            task_ids = [str(uuid.uuid4()) for _ in range(streams)]
            await audience.open([t for i in task_ids for t in self.peer_targets(i, 1)],
                                hello=False)  # fmt: skip
            for task_id in task_ids:
                await asyncio.to_thread(self.launch_peer, "celery.bench_cp_stream", task_id,
                                        **kwargs)  # fmt: skip
        await audience.wait_finals(streams, timeout=seconds + 60)
        await asyncio.sleep(0.5)
        await audience.close()
        tally = audience.tally
        reported = sum(int(r or 0) for r in tally.reported.values())
        carried = sum(1 for stream, r in tally.reported.items()
                      if r and tally.by_index.get((stream, int(r))))  # fmt: skip
        self.count_finals("tp" if mode.startswith("tp") else "peer", audience, streams)
        span = max(1e-6, tally.last_at - tally.first_at)
        print(
            f"  {mode:4} flat out: {tally.received} delivered of {reported} reported in "
            f"{span:.1f} s, {len(tally.finals)}/{streams} finals",
            flush=True,
        )
        return [float(tally.received), float(reported), span, float(carried)]

    # --- (c) idle connections ---------------------------------------------------------

    async def idle(self, session: Any) -> None:
        for system in self.systems:
            await self.idle_system(session, system)

    async def idle_system(self, session: Any, system: str) -> None:
        from bench.clients import Audience, peer_message, taskpulse_message
        from bench.stack import WebServer

        main, out = self.web, self.tp if system == "tp" else self.peer
        self.web = WebServer(BENCH_VAR / f"web-idle-{system}.log", self.env)
        try:
            task_id = str(uuid.uuid4())
            handler = taskpulse_message if system == "tp" else peer_message
            audience = Audience(session, handler)
            warm = Audience(session, handler)  # imports and first-connection caches
            await warm.open(self.tp_targets(1) if system == "tp" else
                            self.peer_targets(task_id, 1), hello=system == "tp")  # fmt: skip
            await warm.close()
            await asyncio.sleep(1.0)
            base = self.web.rss()
            opened = 0
            while opened < self.plan.idle_max:
                step = self.plan.idle_step
                targets = self.tp_targets(step) if system == "tp" else self.peer_targets(
                    task_id, step)  # fmt: skip
                before = len(audience.sockets)
                await audience.open(targets, hello=system == "tp", timeout=300)
                opened = len(audience.sockets)
                print(f"  {system:4} idle: {opened} open, RSS "
                      f"{(self.web.rss() - base) / 1024 / max(1, opened):.1f} KiB/conn, "
                      f"{audience.failed} failed", flush=True)  # fmt: skip
                if opened - before < step:
                    break
            await asyncio.sleep(2.0)
            cpu0, t0 = self.web.cpu_seconds(), time.monotonic()
            await asyncio.sleep(self.plan.idle_seconds)
            cpu = (self.web.cpu_seconds() - cpu0) / (time.monotonic() - t0) * 100
            out.update(
                idle_connections=opened,
                kib_per_connection=round((self.web.rss() - base) / 1024 / max(1, opened), 1),
                idle_cpu_percent=round(cpu, 1),
                fanout_ms_all=await self.fan_out(audience, system, task_id),
            )  # fmt: skip
            await audience.close()
        finally:
            self.web.stop()
            self.web = main

    async def fan_out(self, audience: Any, system: str, task_id: str) -> float | None:
        """Time from one report to its receipt by the last of the open clients (median of 3)."""
        kwargs = {"count": 3, "period": 1.5}
        if system == "tp":
            await asyncio.to_thread(self.launch_tp, "bench.tp_stream", **kwargs)
        else:
            await asyncio.to_thread(self.launch_peer, "celery.bench_cp_stream", task_id, **kwargs)
        if not await audience.wait_finals(1, timeout=FANOUT_WAIT):
            count = len(audience.sockets)
            self.notes.append(f"{system}: fan-out to {count} idle connections not complete "
                              f"within {FANOUT_WAIT} s (counted as lost finals)")  # fmt: skip
        await asyncio.sleep(0.5)
        self.count_finals(system, audience, streams=1)
        lasts = [max(v) for (_stream, _i), v in audience.tally.by_index.items()
                 if len(v) >= len(audience.sockets)]  # fmt: skip
        print(
            f"  {system:4} fan-out to {len(audience.sockets)}: {[round(x) for x in lasts]} ms",
            flush=True,
        )
        return round(statistics.median(lasts), 1) if lasts else None

    # --- (d) polling ------------------------------------------------------------------

    async def polling(self) -> None:
        import requests

        from bench.clients import hammer

        plan, base = self.plan, self.web.url
        detail = f"{base}/api/tasks/executions/{self.last_tp_execution}/"
        auth = {"Authorization": f"Token {self.owner_token}"}
        etag = requests.get(detail, headers=auth, timeout=10).headers["ETag"]
        runs = {
            ("tp", "200"): (detail, auth),
            ("tp", "304"): (detail, {**auth, "If-None-Match": etag}),
            ("peer", "200"): (f"{base}/celery-progress/{self.last_peer_task}/", {}),
        }
        for (system, code), (url, headers) in runs.items():
            got = await hammer(url, headers, concurrency=plan.poll_concurrency,
                               seconds=plan.poll_seconds)  # fmt: skip
            out = self.tp if system == "tp" else self.peer
            out[f"poll_rps_{code}"] = round(got.rps, 1)
            out[f"poll_p99_ms_{code}"] = percentile(got.latencies_ms, 99)
            print(
                f"  {system:4} poll {code}: {got.rps:.0f} req/s, statuses {got.statuses}, "
                f"p99 {out[f'poll_p99_ms_{code}']} ms, {got.errors} errors",
                flush=True,
            )
        self.tp["poll_p99_ms"] = self.tp["poll_p99_ms_304"]
        self.peer["poll_p99_ms"] = self.peer["poll_p99_ms_200"]

    # --- (e) tracking overhead --------------------------------------------------------

    async def tracking(self) -> None:
        if "tp" in self.systems:
            await asyncio.to_thread(self.count_statements)
        best: dict[str, float] = {}
        for _round in range(2):
            for name in ("celery.bench_noop", "bench.tp_noop", "celery.bench_cp_noop"):
                rate = await asyncio.to_thread(self.noop_rate, name, self.plan.noop_count)
                best[name] = max(best.get(name, 0.0), rate)
                print(f"  noop {name}: {rate:.0f} tasks/s", flush=True)
        plain = best["celery.bench_noop"]
        self.tp.update(noop_per_s_untracked=round(plain, 1),
                       noop_per_s_tracked=round(best["bench.tp_noop"], 1),
                       tracked_ratio=round(best["bench.tp_noop"] / plain, 3))  # fmt: skip
        self.peer.update(noop_per_s_untracked=round(plain, 1),
                         noop_per_s_tracked=round(best["celery.bench_cp_noop"], 1),
                         tracked_ratio=round(best["celery.bench_cp_noop"] / plain, 3))  # fmt: skip

    def count_statements(self) -> None:
        """The SQL statements of one tracked no-op, sent and run in this process."""
        from bench.tasks import tp_noop
        from testing.statements import tracked_task_statements

        counted = tracked_task_statements(tp_noop)
        self.tp["statements_per_tracked_task"] = counted.total
        self.notes.append(f"statements per tracked task: sent {counted.summary(counted.sent)}; "
                          f"ran {counted.summary(counted.ran)}")  # fmt: skip
        print(f"  {self.notes[-1]}", flush=True)

    def noop_rate(self, name: str, count: int) -> float:
        """Tasks/s of `count` no-ops sent flat out and run (sending stops after
        NOOP_SEND_SECONDS on a machine slow enough to need it: the run stays bounded)."""
        from celery.result import ResultSet

        from config.celery import app

        start = time.perf_counter()
        deadline = start + NOOP_SEND_SECONDS
        sent = []
        while len(sent) < count and time.perf_counter() < deadline:
            sent.append(app.send_task(name))
        ResultSet(sent).join(timeout=300, interval=0.01)
        return len(sent) / (time.perf_counter() - start)

    # --- all --------------------------------------------------------------------------

    async def measure(self) -> None:
        import aiohttp

        from bench.clients import raise_fd_limit
        from bench.stack import profiled

        print(f"bench: client fd limit {raise_fd_limit()}", flush=True)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
                ("(a) latency, one user", lambda: self.latency(session)),
                ("(a) latency, many users", lambda: self.many_users(session)),
                ("(a) calm log lines", lambda: self.calm_logs(session)),
                ("(b) throughput", lambda: self.throughput(session)),
                ("(d) polling", self.polling),
                ("(e) tracking overhead", self.tracking),
                ("(c) idle connections", lambda: self.idle(session)),
            ]
            for title, step in steps:
                print(f"bench: {title}", flush=True)
                began = time.monotonic()
                pids = [self.web.pid, *self.worker.pids()]
                name = title.split(")")[0].strip("(")
                with profiled(BENCH_VAR / "profiles", name, pids,
                              enabled=self.profile and name in ("a",)):  # fmt: skip
                    await step()
                print(f"bench: {title} took {time.monotonic() - began:.0f} s", flush=True)
        for system, (expected, seen) in self.finals.items():
            out = self.tp if system == "tp" else self.peer
            out.update(lost_final_states=expected - seen, final_states_expected=expected)

    def results(self) -> dict[str, Any]:
        from django.conf import settings

        layer = settings.CHANNEL_LAYERS["default"]
        return {
            "taskpulse": self.tp,
            "celery_progress": self.peer,
            "meta": {
                "mode": "QUICK" if self.plan.quick else "full",
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
                # Other processes share the machine: its load says how far to trust absolutes.
                "load_average": [round(x, 1) for x in (*self.load_at_start, *os.getloadavg())],
                "layer": f"{layer['BACKEND'].rsplit('.', 1)[-1]} "
                f"{layer['CONFIG'].get('serializer_format', 'msgpack')}",
                "notes": self.notes,
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--quick", action="store_true", help="a reduced run, under 5 minutes")
    parser.add_argument("--profile", action="store_true", help="py-spy the web and worker")
    parser.add_argument("--layers", action="store_true", help="compare channel layers instead")
    args = parser.parse_args()
    plan = Plan.make(args.quick)
    if args.layers:
        from bench.layers import compare_layers

        compare_layers(plan)
        return
    bench = Bench(plan, profile=args.profile)
    began = time.monotonic()
    try:
        bench.start()
        asyncio.run(bench.measure())
    finally:
        bench.stop()
    from bench.report import ratio_lines, write

    results = bench.results()
    results["meta"]["seconds"] = round(time.monotonic() - began)
    print()
    print(write(results))
    print(f"bench: {results['meta']['seconds']} s; bench/results/latest.{{md,json,png}} written")
    print("TaskPulse against celery-progress, same run:")
    print("\n".join(ratio_lines(results)))


if __name__ == "__main__":
    main()

"""The checks, one method each, against a running `Cluster` (clustertest/topology.py).

a. every event of work run on every worker reaches a client of each web process;
b. web-1 killed while its clients watch: they go on from web-2 with since_seq;
c. a worker killed mid-task: another one finishes its work, nothing runs twice;
d. two beats at once: recovery takes its lock, no execution is recovered twice;
e. many launches over both web processes all end (and g: launches per second);
f. one event fanned out to thousands of sockets over both web processes (a figure).

Each returns a `Row` counted from the database and from what the clients received.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chaos import counts
from chaos.clients import Answers, Launcher, User
from chaos.stack import RECOVERY_WINDOW
from clustertest.report import Row
from clustertest.topology import WEBS, WORKER_CONCURRENCY, WORKERS, Cluster
from clustertest.watchers import SeqCount, SeqWatcher, missing_seqs, seq_count, start_all

RUNNING = ("STARTED", "PROGRESS")
CLIENT_GRACE = 10.0  # after the database says final, how long a client may take to see it
SETTLE_CAP = 240.0
chance = random.Random()  # noqa: S311 - when to strike, not a secret


@dataclass
class Sizes:
    every_event: int  # deployments in (a), besides one EDI import
    web_watchers: int  # users watching through web-1 in (b)
    killed: int  # deployments running when a worker is killed (c, d)
    launches: int  # (e)
    sockets: int  # (f)

    @classmethod
    def make(cls, quick: bool) -> Sizes:
        return cls(9, 6, 9, 120, 2_000) if quick else cls(18, 10, 12, 300, 10_000)


@dataclass
class Figures:
    values: dict[str, str] = field(default_factory=dict)


class Checks:
    def __init__(self, cluster: Cluster, quick: bool) -> None:
        self.cluster, self.quick = cluster, quick
        self.sizes = Sizes.make(quick)
        self.answers = Answers()
        self.figures: dict[str, str] = {}
        self.examples: list[str] = []  # missing seqs, for the note of the check that met them
        self.held_down: set[str] = set()  # killed on purpose: not restarted until the check says
        self.exited: list[str] = []  # programs that exited on their own, restarted

    # --- setup -------------------------------------------------------------------------

    def prepare(self, users: int) -> None:
        from django.contrib.auth.models import User as DjangoUser
        from rest_framework.authtoken.models import Token

        from task_manager.models import TaskTemplate

        # The template's own thresholds would win over the lowered settings (README).
        template = TaskTemplate.objects.get(name="Deploy VM")
        template.pending_requeue_after = template.pending_timeout = None
        template.save()

        def make(name: str, **extra: Any) -> tuple[str, str]:
            account = DjangoUser.objects.create_user(name, **extra)
            return name, Token.objects.create(user=account).key

        self.users = [User(*make(f"cluster-{n}"), watcher=None) for n in range(users)]  # type: ignore[arg-type]
        self.staff_token = make("cluster-staff", is_staff=True)[1]
        self.fan_token = make("cluster-fan")[1]
        self.launchers = {web: Launcher(self.cluster.web_url(web), self.users, self.answers)
                          for web in WEBS}  # fmt: skip
        self.watch_all(
            lambda n: [self.cluster.ws_url(WEBS[n % 2]), self.cluster.ws_url(WEBS[(n + 1) % 2])]
        )

    def watch_all(self, urls: Callable[[int], list[str]]) -> None:
        """A watcher per user, alternately on web-1 and web-2, failing over to the other."""
        for n, user in enumerate(self.users):
            if user.watcher is not None:
                user.watcher.stop()
            user.watcher = SeqWatcher(urls(n), user.token, self.answers)
        start_all([u.watcher for u in self.users])  # type: ignore[misc]

    def stop(self) -> None:
        for user in getattr(self, "users", []):
            if user.watcher is not None:
                user.watcher.stopping.set()

    # --- launching and waiting ---------------------------------------------------------------

    def deploy(self, n: int, prefix: str, step_seconds: float, **simulate: Any) -> int | None:
        """Deployment n, from user n, through web-1 or web-2 alternately."""
        user = self.users[n % len(self.users)]
        launcher = self.launchers[WEBS[n % 2]]
        return launcher.deploy(user, f"{prefix}-{n}", step_seconds=step_seconds, **simulate)

    def deploys(self, count: int, prefix: str, step_seconds: float, clients: int = 10) -> list[int]:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            ids = pool.map(lambda n: self.deploy(n, prefix, step_seconds), range(count))
        return [i for i in ids if i is not None]

    def executions_since(self, began: datetime) -> Any:
        from task_manager.models import TaskExecution

        return TaskExecution.objects.filter(created_at__gte=began,
                                            user__username__startswith="cluster-")  # fmt: skip

    def settle(self, began: datetime) -> list[int]:
        """The top-level executions since `began`, once all ended or the recovery window
        has passed since the last one ended (the whole wait capped)."""
        mine = self.executions_since(began).filter(parent__isnull=True)
        cap = time.monotonic() + SETTLE_CAP
        deadline, left = time.monotonic() + RECOVERY_WINDOW, None
        while time.monotonic() < min(deadline, cap):
            unfinished = mine.filter(finished_at__isnull=True).count()
            if not unfinished:
                break
            if left is not None and unfinished < left:
                deadline = time.monotonic() + RECOVERY_WINDOW
            left = unfinished
            time.sleep(0.5)
            self.restore()
        return list(mine.values_list("pk", flat=True))

    def restore(self) -> None:
        """What a supervisor does: a program that exited on its own is started again (its
        last log line is kept for the table's note)."""
        for name, process in self.cluster.processes.items():
            if name in self.held_down or process.alive() or process.handle is None:
                continue
            cause = exit_cause(process.output())
            self.exited.append(f"{name} ({cause})")
            process.kill_group()
            process.start()

    def exited_note(self) -> str:
        exited, self.exited = self.exited, []
        if not exited:
            return ""
        return f"; EXITED ON THEIR OWN, restarted as a supervisor would: {'; '.join(exited)}"

    def workers_converged(self) -> list[str]:
        """After a fault: every worker ready again (restarted if it exited) and taking work:
        a batch of short deployments, two per worker slot, over both web processes; the
        workers that ran none of it."""
        from django.utils import timezone

        deadline = time.monotonic() + RECOVERY_WINDOW
        while time.monotonic() < deadline:
            self.restore()
            if all(" ready." in w.output() for w in self.cluster.workers()):
                break
            time.sleep(1.0)
        began = timezone.now()
        self.deploys(2 * WORKER_CONCURRENCY * len(WORKERS), "after", step_seconds=0.4)
        self.settle(began)
        ran = set(self.executions_since(began).values_list("worker", flat=True))
        return [spec.node for spec in WORKERS if spec.node not in ran]

    def wait_running_on(self, ids: list[int], worker: str | None, timeout: float = 30) -> list[int]:
        """Until some of `ids` run (on `worker`, if named); then somewhere inside a step."""
        from task_manager.models import TaskExecution

        running = TaskExecution.objects.filter(pk__in=ids, status__in=RUNNING)
        if worker:
            running = running.filter(worker=worker)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if running.exists():
                time.sleep(chance.uniform(0.2, 0.8))
                return list(running.values_list("pk", flat=True))
            time.sleep(0.1)
        return []

    def lost_finals(self, ids: list[int]) -> int:
        """Executions ended in the database whose user's watcher never saw them end."""
        from task_manager.models import TaskExecution

        watchers = {u.name: u.watcher for u in self.users}
        ended = list(TaskExecution.objects.filter(pk__in=ids, finished_at__isnull=False)
                     .values_list("pk", "user__username"))  # fmt: skip
        deadline = time.monotonic() + CLIENT_GRACE
        while True:
            lost = [pk for pk, name in ended if watchers[name].final(pk) is None]  # type: ignore[union-attr]
            if not lost or time.monotonic() > deadline:
                return len(lost)
            time.sleep(0.5)

    def seq_counts(self, watcher: SeqWatcher, ids: list[int]) -> list[SeqCount]:
        from task_manager.models import TaskExecution, TaskLogLine

        lines: dict[int, list[int]] = {}
        for execution_id, seq in TaskLogLine.objects.filter(execution_id__in=ids).values_list(
            "execution_id", "seq"
        ):
            lines.setdefault(execution_id, []).append(seq)
        finals = dict(TaskExecution.objects.filter(pk__in=ids).values_list("pk", "seq"))
        found = [seq_count(watcher.snapshot(i), lines.get(i, []), finals[i]) for i in ids]
        for i, count in zip(ids, found, strict=True):
            if (count.missing_lines or count.missing_states) and len(self.examples) < 4:
                gone = missing_seqs(watcher.snapshot(i), lines.get(i, []), finals[i])
                self.examples.append(f"#{i} seq {','.join(map(str, gone[:5]))} of 0-{finals[i]}")
        return found

    def row(self, name: str, ids: list[int], began_errors: int, **values: Any) -> Row:
        values["exited"] = len(self.exited)
        values["note"] = values.get("note", "") + self.exited_note()
        return Row(
            name, launched=len(ids), ended_right=counts.ended_right(ids),
            stuck=counts.stuck(ids), run_twice=counts.run_twice(ids),
            server_errors=self.answers.server_errors() - began_errors, **values,
        )  # fmt: skip

    # --- a. every event, on both web processes ------------------------------------------------

    def every_event(self) -> Row:
        from django.utils import timezone

        began, errors = timezone.now(), self.answers.server_errors()
        staff = [SeqWatcher([self.cluster.ws_url(web)], self.staff_token, self.answers,
                            everything=True) for web in WEBS]  # fmt: skip
        start_all(staff)
        try:
            self.deploys(self.sizes.every_event, "every", step_seconds=0.25)
            self.edi_import(files=4)
            top = self.settle(began)
            time.sleep(2.0)
            everything = list(self.executions_since(began).values_list("pk", flat=True))
            self.wait_finals(staff, everything)
            per_client = [self.seq_counts(watcher, everything) for watcher in staff]
        finally:
            for watcher in staff:
                watcher.stop()
        workers = Counter(self.executions_since(began).values_list("worker", flat=True))
        missing = sum(c.missing_lines + c.missing_states for cs in per_client for c in cs)
        duplicates = sum(c.duplicate_lines + c.backwards for cs in per_client for c in cs)
        superseded = sum(c.superseded for cs in per_client for c in cs)
        events = sum(len(w.snapshot(i).states) + len(w.snapshot(i).lines)
                     for w in staff for i in everything)  # fmt: skip
        ran_on = ", ".join(f"{w.split('@')[0]}: {n}" for w, n in sorted(workers.items()) if w)
        idle = [s.node for s in WORKERS if not workers.get(s.node)]
        note = (
            f"{len(everything)} executions (children too), {events} events to 2 clients; "
            f"ran on {ran_on}"
            + (f"; NO WORK ON {', '.join(idle)}" if idle else "")
            + f"; {superseded} intermediate states overtaken by a newer one"
            + self.missing_note()
        )
        return self.row(
            "a. every event on both webs",
            top,
            errors,
            lost_finals=self.unseen(staff, everything),
            missing=missing,
            duplicates=duplicates,
            idle_workers=len(idle),
            note=note,
        )

    def missing_note(self) -> str:
        examples, self.examples = self.examples, []
        return f"; not received e.g. {'; '.join(examples)}" if examples else ""

    def edi_import(self, files: int) -> int | None:
        from edi.testdata import valid_file

        rng = random.Random(11)  # noqa: S311
        names = [f"cluster-{k}.edi" for k in range(files)]
        upload = [("files", (name, valid_file(rng, name, f"CL-{k}").content))
                  for k, name in enumerate(names)]  # fmt: skip
        return self.launchers[WEBS[1]].post(self.users[-1], "/api/edi/imports/", files=upload)

    def wait_finals(self, watchers: list[SeqWatcher], ids: list[int]) -> None:
        deadline = time.monotonic() + CLIENT_GRACE
        while time.monotonic() < deadline and self.unseen(watchers, ids):
            time.sleep(0.3)

    def unseen(self, watchers: list[SeqWatcher], ids: list[int]) -> int:
        from task_manager.models import TaskExecution

        ended = TaskExecution.objects.filter(pk__in=ids, finished_at__isnull=False)
        ended_ids = list(ended.values_list("pk", flat=True))
        return sum(1 for w in watchers for i in ended_ids if w.final(i) is None)

    # --- b. web-1 killed under its clients -------------------------------------------------

    def web_killed(self) -> Row:
        from django.utils import timezone

        count = self.sizes.web_watchers
        web2 = self.cluster.ws_url(WEBS[1])
        watchers = self.watch_web1(count)
        began, errors = timezone.now(), self.answers.server_errors()
        launcher = self.launchers[WEBS[0]]
        with ThreadPoolExecutor(max_workers=count) as pool:
            launched = pool.map(
                lambda u: launcher.deploy(u, f"webkill-{u.name}", step_seconds=0.7), watchers
            )
            ids = [i for i in launched if i is not None]
        self.wait_running_on(ids, None)
        self.held_down.add(WEBS[0])
        self.cluster.processes[WEBS[0]].kill_group()  # SIGKILL: the process and its children
        killed_at = time.monotonic()
        top = self.settle(began)
        self.held_down.discard(WEBS[0])
        lost = self.lost_finals(top)
        seqs = [
            c
            for u in watchers
            for c in self.seq_counts(u.watcher, [i for i in top if i in u.watcher.mine])
        ]  # type: ignore[union-attr,arg-type]
        moved = sum(1 for u in watchers if u.watcher.connects[-1:] == [web2])  # type: ignore[union-attr]
        resent = sum(c.resent for c in seqs)
        self.cluster.restart(WEBS[0])  # as a supervisor would, for the checks after this one
        note = (
            f"{moved}/{count} clients went on from web-2 with since_seq, "
            f"{resent} status snapshots re-sent with a seq they held (ignored by seq); "
            f"all ended {time.monotonic() - killed_at:.0f}s after the kill"
        )
        return self.row(
            "b. web-1 SIGKILLed",
            top,
            errors,
            lost_finals=lost,
            missing=sum(c.missing_lines for c in seqs),
            duplicates=sum(c.duplicate_lines + c.backwards for c in seqs),
            note=note,
        )

    def watch_web1(self, count: int) -> list[User]:
        """The first `count` users watch through web-1 first, web-2 when it is gone."""
        urls = [self.cluster.ws_url(web) for web in WEBS]
        watchers = self.users[:count]
        for user in watchers:
            assert user.watcher is not None
            user.watcher.stop()
            user.watcher = SeqWatcher(urls, user.token, self.answers)
        start_all([u.watcher for u in watchers])  # type: ignore[misc]
        return watchers

    # --- partitions (network namespaces only) ------------------------------------------------

    def partitioned(self, host: str, *, name: str) -> Row:
        """Work running while `host`'s back link is down for a while: nothing may be lost,
        and everything ends after the link is back."""
        from django.utils import timezone

        from task_manager.models import TaskExecution

        watchers = self.watch_web1(self.sizes.web_watchers)
        began, errors = timezone.now(), self.answers.server_errors()
        ids = self.deploys(self.sizes.killed, f"cut-{host}", step_seconds=1.5)
        nodes = [s.node for s in WORKERS if s.host == host]
        running = self.wait_running_on(ids, None)
        on_host = TaskExecution.objects.filter(pk__in=running, worker__in=nodes).count()
        # A worker host is cut from the broker, a web host from Redis (the channel layer).
        peer_name, peer = ("the broker", self.cluster.broker_address()) if nodes else (
            "Redis", (self.cluster.redis.host, self.cluster.redis.port))  # fmt: skip
        verified = self.cluster.placement.cut(host, peer)  # type: ignore[attr-defined]
        back_at = time.monotonic()
        top = self.settle(began)
        converged = time.monotonic() - back_at
        lost = self.lost_finals(top)
        seqs = [c for u in watchers for c in self.seq_counts(
            u.watcher, [i for i in top if i in u.watcher.mine])]  # type: ignore[union-attr,arg-type]  # fmt: skip
        requeued = TaskExecution.objects.filter(pk__in=top, requeue_count__gt=0).count()
        idle = self.workers_converged()
        moved = sum(1 for u in watchers if len(u.watcher.connects) > 1)  # type: ignore[union-attr]
        where = f" ({on_host} on {host})" if nodes else ""
        checked = "unreachable during the cut, reachable after" if verified else "NOT VERIFIED"
        note = (f"{peer_name} from {host}: {checked}; {len(running)} running when cut{where}; all "
                f"ended {converged:.0f}s after the link came back; {requeued} re-queued by "
                f"recovery; {moved}/{len(watchers)} web-1 clients reconnected")  # fmt: skip
        row = self.row(name, top, errors, lost_finals=lost,
                       missing=sum(c.missing_lines + c.missing_states for c in seqs),
                       duplicates=sum(c.duplicate_lines + c.backwards for c in seqs),
                       idle_workers=len(idle),
                       note=note + self.missing_note() + idle_note(idle))  # fmt: skip
        row.broken = not verified  # a partition that did not cut checks nothing
        return row

    # --- c/d. a worker killed mid-task (with one beat, or two at once) ---------------------------

    def worker_killed(self, worker_index: int, *, beats: int, name: str) -> Row:
        from django.utils import timezone

        from task_manager.models import TaskExecution

        cluster, spec = self.cluster, WORKERS[worker_index]
        if beats > 1:
            self.held_down.add("beat")  # replaced by the two started at once
            cluster.processes["beat"].stop()
            extra = cluster.start_beats(beats)
        began, errors = timezone.now(), self.answers.server_errors()
        logs_before = {w.name: len(w.output()) for w in cluster.workers()}
        ids = self.deploys(self.sizes.killed, f"kill-{worker_index}", step_seconds=0.7)
        hit = self.wait_running_on(ids, spec.node)
        self.held_down.add(spec.name)  # until its work ended elsewhere
        cluster.processes[spec.name].kill_group()
        killed_at = time.monotonic()
        top = self.settle(began)
        recovered_in = time.monotonic() - killed_at
        self.held_down.discard(spec.name)
        cluster.restart(spec.name)
        if beats > 1:
            for beat in extra:
                beat.stop(timeout=10)
            cluster.processes["beat"].kill_group()
            cluster.processes["beat"].start()
            self.held_down.discard("beat")
        hit_rows = list(TaskExecution.objects.filter(pk__in=hit).values(
            "status", "worker", "requeue_count", "error"))  # fmt: skip
        elsewhere = sum(
            1 for r in hit_rows if r["status"] == "SUCCESS" and r["worker"] != spec.node
        )
        failed_lost = sum(1 for r in hit_rows if r["status"] == "FAILURE"
                          and "Worker lost" in (r["error"] or ""))  # fmt: skip
        twice = sum(1 for r in hit_rows if r["requeue_count"] > 1)
        skipped, runs = recovery_runs(cluster, logs_before)
        note = (
            f"{len(hit)} running on {spec.node} when killed: {elsewhere} finished by another "
            f"worker, {failed_lost} failed 'Worker lost'; all ended {recovered_in:.0f}s after "
            f"the kill (window {RECOVERY_WINDOW:.0f}s); {runs} recovery runs, {skipped} "
            f"skipped by its lock"
        )
        if not hit:
            note = f"harness: nothing ran on {spec.node} within 30s, no kill mid-task; " + note
        return self.row(
            name,
            top,
            errors,
            lost_finals=self.lost_finals(top),
            double_recovered=twice if beats > 1 else None,
            not_recovered=len(hit) - elsewhere - failed_lost,
            note=note,
        )

    # --- e/g. many launches over both web processes ----------------------------------------

    def many_launches(self) -> Row:
        from django.utils import timezone

        began, errors = timezone.now(), self.answers.server_errors()
        count = self.sizes.launches
        codes = self.answers.snapshot()
        refused_before = sum(launcher.refused for launcher in self.launchers.values())
        started = time.monotonic()
        ids = self.deploys(count, "load", step_seconds=0.05, clients=20)
        posted = time.monotonic() - started
        top = self.settle(began)
        ended = time.monotonic() - started
        self.figures["g. launches/s through 2 web processes (answered)"] = f"{count / posted:.1f}"
        self.figures["g. executions ended/s with 3 workers"] = f"{len(top) / ended:.1f}"
        answered = self.answers.snapshot() - codes
        other = {c: n for c, n in answered.items() if c not in (201, 202)}
        refused = sum(launcher.refused for launcher in self.launchers.values()) - refused_before
        note = (
            f"{count} launches from 20 clients answered in {posted:.1f}s; {len(ids)} accepted"
            + "".join(f", {n} answered {c}" for c, n in sorted(other.items()))
            + (f", {refused} unanswered (no answer within 60 s)" if refused else "")
            + f"; all ended after {ended:.1f}s"
        )
        return self.row(
            f"e. {count} launches over 2 webs",
            top,
            errors,
            lost_finals=self.lost_finals(top),
            note=note,
        )

    # --- f. fan-out ------------------------------------------------------------------------

    def fan_out(self) -> None:
        self.figures.update(asyncio.run(fan_out(self, self.sizes.sockets)))

    def fan_launch(self) -> int | None:
        """One deployment of the fan-out's user that fails at its first step: few events."""
        fan = User("cluster-fan", self.fan_token, Untracked())  # type: ignore[arg-type]
        return self.launchers[WEBS[0]].deploy(fan, "fan-out", fail_at_step=1)

    def finished_at(self, execution_id: int | None) -> float | None:
        from task_manager.models import TaskExecution

        ended = TaskExecution.objects.filter(pk=execution_id, finished_at__isnull=False)
        deadline = time.monotonic() + 60
        while execution_id and time.monotonic() < deadline:
            at = ended.values_list("finished_at", flat=True).first()
            if at:
                return at.timestamp()
            time.sleep(0.2)
        return None


class Untracked:
    """A launcher's user with no watcher (the fan-out's sockets do the watching)."""

    def track(self, execution_id: int) -> None:
        pass


def exit_cause(log: str) -> str:
    """The line of a program's log that says why it stopped (Celery's "Unrecoverable
    error" first, else its last error)."""
    lines = [x for x in log.splitlines() if "ERROR" in x or "CRITICAL" in x]
    fatal = [x for x in lines if "Unrecoverable error" in x] or lines
    return fatal[-1].split("]", 1)[-1].strip()[:160] if fatal else "no error logged"


def idle_note(idle: list[str]) -> str:
    if not idle:
        return "; every worker took work again after it"
    return f"; NOT TAKING WORK AFTER IT: {', '.join(idle)}"


def recovery_runs(cluster: Cluster, logs_before: dict[str, int]) -> tuple[int, int]:
    """(recovery runs skipped by the lock, recovery runs) in the workers' logs since then."""
    text = "".join(w.output()[logs_before.get(w.name, 0) :] for w in cluster.workers())
    skipped = text.count("another run is in progress")
    runs = len(re.findall(r"Task task_manager\.recover_executions\[[^]]+\] received", text))
    return skipped, runs


async def fan_out(checks: Checks, sockets: int) -> dict[str, str]:
    """One execution's events to `sockets` sockets of one user, half on each web process:
    the time until every socket has its first event (its creation, from the launch
    request) and its final state (from finished_at, after the events before it)."""
    import aiohttp

    from bench.clients import Audience, Tally, raise_fd_limit

    limit = raise_fd_limit()
    arrivals: dict[tuple[int, str], list[float]] = {}

    def handler(message: dict[str, Any], tally: Tally, now: float) -> None:
        tally.received += 1
        if message.get("type") != "task.status":
            return
        kind = "final" if message["execution"]["status"] == "FAILURE" else "created"
        if kind == "final" or message["seq"] == 0:
            arrivals.setdefault((message["execution_id"], kind), []).append(now)

    cluster = checks.cluster
    protocols = ("taskpulse", f"token.{checks.fan_token}")
    targets = [
        (f"{cluster.ws_url(WEBS[n % 2])}/ws/tasks/", protocols, None) for n in range(sockets)
    ]
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        audience = Audience(session, handler)
        opened_at = time.monotonic()
        opened = await audience.open(targets, hello=True, timeout=600)
        opening = time.monotonic() - opened_at
        launched_at = time.time()
        execution_id = await asyncio.to_thread(checks.fan_launch) or -1
        deadline = time.monotonic() + 120
        while (
            time.monotonic() < deadline and len(arrivals.get((execution_id, "final"), [])) < opened
        ):
            await asyncio.sleep(0.2)
        await audience.close()
    ended = await asyncio.to_thread(checks.finished_at, execution_id)
    messages = audience.tally.received - opened  # each socket's hello is not counted
    return {
        f"f. first event (creation) to {sockets} sockets, from the launch": spread(
            arrivals.get((execution_id, "created"), []), launched_at, opened),
        f"f. final state to {sockets} sockets, from finished_at": spread(
            arrivals.get((execution_id, "final"), []), ended, opened),
        "f. sockets opened (failed), time to open; messages per socket": (
            f"{opened} ({audience.failed}), {opening:.0f}s; {messages / max(1, opened):.1f}"),
        "f. open files allowed (soft limit, raised in-process)": str(limit),
    }  # fmt: skip


def spread(times: list[float], since: float | None, sockets: int) -> str:
    """'n/N sockets; p50 X ms, all Y ms' of arrival times after `since`."""
    if not times or since is None:
        return f"0/{sockets} sockets"
    delays = sorted(t - since for t in times)
    return (f"{len(delays)}/{sockets} sockets; p50 {1000 * delays[len(delays) // 2]:.0f} ms, "
            f"all {1000 * delays[-1]:.0f} ms")  # fmt: skip

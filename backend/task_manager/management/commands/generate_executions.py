"""Fill the database with finished executions and their rollups, then time the metrics.

    DATABASE_URL=postgres://postgres@127.0.0.1/bench python manage.py generate_executions \
        --count 1000000 --days 30

For measuring GET /api/tasks/metrics/ on a large table (docs/API.md, "Metrics"): the rows
are spread over the last `--days`, across a few task names, queues and workers, 8 % failed
and 2 % cancelled. Rollups are built as the finished hook would have built them, in bulk.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import force_authenticate

from task_manager import rollups
from task_manager.api.ops import MetricsView
from task_manager.histograms import BOUNDS, RUNTIME_FIELDS, SLOTS, WAIT_FIELDS
from task_manager.models import ExecutionRollup, ExecutionStatus, TaskExecution

TASKS = [(f"module{n % 4}.task_{n}", f"module{n % 4}") for n in range(12)]
QUEUES = ["celery", "deploy", "edi"]
WORKERS = ["w1@bench", "w2@bench", "w3@bench"]
BATCH = 10_000

GENERATE_SQL = """
INSERT INTO task_manager_taskexecution (
    task_id, name, task_name, module, title, status, progress, current_step, total_steps,
    message, total_items, processed_items, failed_items, waits_for_children, error, traceback,
    args, kwargs, queue, queued_at, admitted_at, requeue_count, worker, owner, attempt,
    created_at, started_at, finished_at, updated_at, seq, children_count, children_failed,
    steps)
SELECT 'gen-' || g, t.name, t.name, 'module' || (t.n %% 4), '', s.status,
       100, 0, 0, '', 0, 0, 0, false,
       CASE WHEN s.status = 'FAILURE' THEN 'ValueError: generated failure ' || (g %% 7) ELSE '' END,
       '', '[]', '{{}}', (ARRAY[{queues}])[1 + g %% 3],
       f.finished - make_interval(secs => r.runtime + r.wait), f.finished, 0,
       (ARRAY[{workers}])[1 + (g / 3) %% 3], '', CASE WHEN g %% 33 = 0 THEN 2 ELSE 1 END,
       f.finished - make_interval(secs => r.runtime + r.wait),
       f.finished - make_interval(secs => r.runtime), f.finished, f.finished, 1, 0, 0, '[]'
FROM generate_series(1, %(count)s) AS g
CROSS JOIN LATERAL (SELECT (ARRAY[{tasks}])[1 + g %% 12] AS name, g %% 12 AS n) AS t
CROSS JOIN LATERAL (SELECT CASE WHEN g %% 100 < 8 THEN 'FAILURE' WHEN g %% 100 < 10
                    THEN 'REVOKED' ELSE 'SUCCESS' END AS status) AS s
CROSS JOIN LATERAL (SELECT exp(random() * 3 - 1.5 + 0 * g) AS runtime,
                    random() * 2 + 0 * g AS wait) AS r
CROSS JOIN LATERAL (SELECT now() - make_interval(secs => random() * %(days)s * 86400 + 0 * g)
                    AS finished) AS f
"""
ROLLUP_SQL = """
INSERT INTO task_manager_executionrollup (
    period, start, task_name, module, queue, worker, succeeded, failed, cancelled, retried,
    started, runtime_sum, wait_sum, {columns})
SELECT '{period}', {start}, task_name, max(module), queue, {worker},
       count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status = 'FAILURE'),
       count(*) FILTER (WHERE status = 'REVOKED'), sum(attempt - 1), count(*), sum(rt), sum(wt),
       {slots}
FROM (SELECT e.*, rt, wt,
             width_bucket(rt, ARRAY[{bounds}]) AS rslot,
             width_bucket(wt, ARRAY[{bounds}]) AS wslot
      FROM task_manager_taskexecution e
      CROSS JOIN LATERAL (SELECT extract(epoch FROM finished_at - started_at) AS rt,
                          extract(epoch FROM started_at - queued_at) AS wt) d
      WHERE finished_at IS NOT NULL AND started_at IS NOT NULL) x
GROUP BY {start}, task_name, queue{group_worker}
"""


class Command(BaseCommand):
    help = "Generate finished executions and their rollups; time the metrics endpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1_000_000)
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--time-only", action="store_true", help="Only time the endpoint.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["time_only"]:
            pass
        elif connection.vendor == "postgresql":
            began = time.perf_counter()
            self.generate_in_postgresql(options["count"], options["days"])
            self.stdout.write(f"generated in {time.perf_counter() - began:.0f} s")
        else:
            self.generate(options["count"], options["days"], random.Random(options["seed"]))  # noqa: S311 - test data
        self.time_endpoint()

    def generate_in_postgresql(self, count: int, days: int) -> None:
        """The same rows made by the database itself (a million in about a minute), and the
        rollups summed from them with the histogram slots of rollups.bucket_index."""
        tasks = ", ".join(f"'{name}'" for name, _ in TASKS)
        queues = ", ".join(f"'{queue}'" for queue in QUEUES)
        workers = ", ".join(f"'{worker}'" for worker in WORKERS)
        with connection.cursor() as cursor:
            cursor.execute(GENERATE_SQL.format(tasks=tasks, queues=queues, workers=workers),
                           {"count": count, "days": days})  # fmt: skip
            bounds = ", ".join(f"{bound}::float8" for bound in BOUNDS)
            slots = ", ".join(
                [f"count(*) FILTER (WHERE rslot = {i})" for i in range(SLOTS)]
                + [f"count(*) FILTER (WHERE wslot = {i})" for i in range(SLOTS)]
            )
            columns = ", ".join((*RUNTIME_FIELDS, *WAIT_FIELDS))
            periods = (
                ("m", "date_trunc('minute', finished_at)", "''"),
                ("h", "date_trunc('hour', finished_at)", "''"),
                ("d", "date_trunc('day', finished_at)", "''"),
                ("t", "'1970-01-01T00:00:00Z'::timestamptz", "worker"),
            )
            for period, start, worker in periods:
                cursor.execute(ROLLUP_SQL.format(
                    period=period, start=start, worker=worker, bounds=bounds, slots=slots,
                    group_worker=", worker" if worker == "worker" else "",
                    columns=columns,
                ))  # fmt: skip
        self.stdout.write(f"{count} executions, {ExecutionRollup.objects.count()} rollup rows")

    def generate(self, count: int, days: int, rng: random.Random) -> None:
        now = timezone.now()
        rows: dict[tuple, ExecutionRollup] = {}
        made = 0
        while made < count:
            batch = [self.execution(now, days, rng) for _ in range(min(BATCH, count - made))]
            TaskExecution.objects.bulk_create(batch)
            for execution in batch:
                self.roll_up(rows, execution)
            made += len(batch)
            self.stdout.write(f"{made} executions", ending="\r")
        ExecutionRollup.objects.bulk_create(rows.values(), batch_size=5000)
        self.stdout.write(f"\n{made} executions, {len(rows)} rollup rows")

    @staticmethod
    def execution(now: Any, days: int, rng: random.Random) -> TaskExecution:
        name, module = rng.choice(TASKS)
        finished = now - timedelta(seconds=rng.uniform(0, days * 86400))
        runtime, wait = rng.lognormvariate(0, 1.2), rng.expovariate(2)
        roll = rng.random()
        status = (ExecutionStatus.FAILURE if roll < 0.08 else
                  ExecutionStatus.REVOKED if roll < 0.10 else ExecutionStatus.SUCCESS)  # fmt: skip
        started = finished - timedelta(seconds=runtime)
        return TaskExecution(
            task_id=str(uuid.uuid4()), name=name, task_name=name, module=module, status=status,
            queue=rng.choice(QUEUES), worker=rng.choice(WORKERS), queued_at=started -
            timedelta(seconds=wait), started_at=started, finished_at=finished,
            attempt=2 if rng.random() < 0.03 else 1,
            error="ValueError: generated failure" if status == ExecutionStatus.FAILURE else "",
        )  # fmt: skip

    @staticmethod
    def roll_up(rows: dict[tuple, ExecutionRollup], execution: TaskExecution) -> None:
        outcome = rollups.OUTCOME_FIELD[ExecutionStatus(execution.status)]
        assert execution.finished_at is not None
        for period, start in rollups.period_starts(execution.finished_at).items():
            key = rollups.row_key(period, start, execution)
            row = rows.get(key)
            if row is None:
                row = rows[key] = ExecutionRollup(**rollups.row_fields(key),
                                                  module=execution.module)  # fmt: skip
            rollups.count_into(row, execution, outcome)

    def time_endpoint(self) -> None:
        self.stdout.write(f"{TaskExecution.objects.count()} executions in the database")
        factory = RequestFactory()
        staff = type("Staff", (), {"is_staff": True, "is_authenticated": True, "pk": 0})()
        view = MetricsView.as_view()
        for range_name in ("1h", "24h", "7d", "30d"):
            times = []
            for _ in range(7):
                request = factory.get("/api/tasks/metrics/", {"range": range_name})
                force_authenticate(request, user=staff)
                began = time.perf_counter()
                response = view(request)
                response.render()
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.content
            self.stdout.write(
                f"range={range_name}: median {statistics.median(times):.0f} ms, "
                f"max {max(times):.0f} ms over {len(times)} requests"
            )

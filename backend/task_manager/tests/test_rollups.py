"""Per-minute, per-hour and all-time rollups of finished executions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from task_manager import rollups
from task_manager.histograms import RUNTIME_FIELDS, WAIT_FIELDS
from task_manager.lifecycle import execution_finish
from task_manager.models import ExecutionRollup, RollupPeriod
from task_manager.models import ExecutionStatus as S
from task_manager.tests.factories import started_execution

pytestmark = pytest.mark.django_db


def test_an_end_is_counted_in_its_minute_hour_and_total_once_it_commits(
    django_capture_on_commit_callbacks,
) -> None:
    execution = started_execution(None, worker="w1@h", queue="celery",
                                  queued_at=timezone.now() - timedelta(seconds=3),
                                  started_at=timezone.now() - timedelta(seconds=2))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        execution_finish(execution.task_id, S.FAILURE, error="ValueError: no")
    rows = {row.period: row for row in ExecutionRollup.objects.all()}
    assert set(rows) == {RollupPeriod.MINUTE, RollupPeriod.HOUR, RollupPeriod.DAY,
                         RollupPeriod.TOTAL}  # fmt: skip
    for row in rows.values():
        assert (row.failed, row.succeeded, row.started, row.task_name) == (1, 0, 1, "demo.x")
        assert sum(getattr(row, f) for f in RUNTIME_FIELDS) == 1
        assert sum(getattr(row, f) for f in WAIT_FIELDS) == 1
    execution.refresh_from_db()
    assert execution.finished_at is not None
    assert rows[RollupPeriod.MINUTE].start == execution.finished_at.replace(second=0, microsecond=0)


def test_a_second_end_in_the_same_minute_adds_to_the_same_row() -> None:
    now = timezone.now()
    for runtime in (0.2, 20.0):
        execution = started_execution(None, worker="w", queue="q", status=S.SUCCESS,
                                      started_at=now - timedelta(seconds=runtime),
                                      finished_at=now)  # fmt: skip
        rollups.rollup_add(execution)
    row = ExecutionRollup.objects.get(period=RollupPeriod.MINUTE)
    assert row.succeeded == 2
    assert row.runtime_sum == pytest.approx(20.2)
    assert getattr(row, RUNTIME_FIELDS[rollups.bucket_index(0.2)]) == 1
    assert getattr(row, RUNTIME_FIELDS[rollups.bucket_index(20.0)]) == 1


def test_quantiles_interpolate_inside_a_bucket() -> None:
    buckets = rollups.empty_buckets()
    buckets[rollups.bucket_index(0.9)] = 4  # all four in (0.75, 1.0]
    assert rollups.quantile(buckets, 0.5) == pytest.approx(0.875)
    assert rollups.quantile(buckets, 1.0) == pytest.approx(1.0)
    assert rollups.quantile(rollups.empty_buckets(), 0.5) is None


def test_pruning_keeps_what_the_ranges_read_and_every_all_time_row() -> None:
    now = timezone.now()
    for days_ago in (1, 3, 10):
        finished = now - timedelta(days=days_ago)
        execution = started_execution(None, worker="w", queue="q", status=S.SUCCESS,
                                      started_at=finished - timedelta(seconds=1),
                                      finished_at=finished)  # fmt: skip
        rollups.rollup_add(execution)
    rollups.rollups_prune(now)
    left = {period: ExecutionRollup.objects.filter(period=period).count() for period in "mhdt"}
    assert left == {"m": 1, "h": 2, "d": 3, "t": 1}
    assert ExecutionRollup.objects.get(period="t").succeeded == 3

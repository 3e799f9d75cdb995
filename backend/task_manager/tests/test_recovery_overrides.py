import logging

import pytest

from task_manager import recovery_overrides
from task_manager.tests.factories import make_template


@pytest.fixture(autouse=True)
def nothing_said_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recovery_overrides, "_said", set())


def test_a_template_threshold_that_wins_over_a_setting_is_said_once(
    db: None, settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 30
    settings.TASKPULSE_MAX_REQUEUES = 3
    make_template(name="Slow report", pending_requeue_after=120, max_retries=3)
    make_template(name="Plain", pending_requeue_after=None)

    with caplog.at_level(logging.INFO, logger="task_manager.recovery"):
        recovery_overrides.log_template_overrides()
        recovery_overrides.log_template_overrides()

    said = [r.getMessage() for r in caplog.records]
    assert (
        said.count(
            "recovery: template 'Slow report' sets pending_requeue_after=120, which wins over "
            "TASKPULSE_PENDING_REQUEUE_AFTER=30 for its executions"
        )
        == 1
    )
    assert not [line for line in said if "Plain" in line or "max_retries" in line]


def test_one_recovery_runs_at_a_time(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs that arrive together (beat's ticks after a broker outage) must not both send the
    same unsent launch: the second is skipped while the first holds the lock."""
    from django.core.cache import cache

    from task_manager import recovery, tasks

    runs: list[int] = []

    def recover() -> recovery.RecoveryReport:
        runs.append(1)
        return recovery.RecoveryReport()

    monkeypatch.setattr(recovery, "recover", recover)
    cache.delete(tasks.RECOVERY_LOCK)
    with tasks.single_flight(tasks.RECOVERY_LOCK, 60) as first:
        skipped = tasks.recover_executions()
    ran = tasks.recover_executions()

    assert first
    assert skipped == {}
    assert ran == {"sent": 0, "requeued": 0, "failed": 0, "admitted": 0}
    assert len(runs) == 1

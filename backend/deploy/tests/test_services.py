"""Deployments run in-process: the steps, failure, retry and resume, cancel, history sync."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError

from deploy import services
from deploy.models import DeploymentHistory, SimulatedVM
from deploy.providers import vsphere
from deploy.providers.simulator import SimulatorProvider
from deploy.tests.conftest import params
from task_manager import held_starts, launching, lifecycle, recovery, rules
from task_manager.models import TaskExecution, TaskLogLine, TaskNotification, TaskTemplate
from task_manager.tracking import ProgressReporter, TaskCancelled

pytestmark = pytest.mark.django_db


def create(user: User, **fields: Any) -> DeploymentHistory:
    return services.deployment_create(user=user, params=params(**fields))


def run(history: DeploymentHistory, attempt: int = 1) -> dict[str, Any]:
    """What the task does once a worker took the message (prerun, then the body)."""
    held_starts.execution_mark_started(history.celery_task_id, worker="w@host", attempt=attempt)
    assert history.execution_id is not None
    progress = ProgressReporter(history.execution_id, interval=0)
    return services.deployment_run(history_id=history.pk, progress=progress, attempt=attempt)


def logged(history: DeploymentHistory) -> list[tuple[str, str]]:
    lines = TaskLogLine.objects.filter(execution_id=history.execution_id).order_by("seq")
    return [(line.level, line.message) for line in lines]


def execution_of(history: DeploymentHistory) -> TaskExecution:
    assert history.execution is not None
    return TaskExecution.objects.get(pk=history.execution.pk)


def fresh(history: DeploymentHistory) -> DeploymentHistory:
    return DeploymentHistory.objects.select_related("execution").get(pk=history.pk)


def test_create_records_the_history_and_launches_after_commit(
    user: User, deploy_template: TaskTemplate, django_capture_on_commit_callbacks, settings: Any
) -> None:
    settings.TASKPULSE_DEPLOY_PROVIDER = "simulator"
    with django_capture_on_commit_callbacks() as callbacks:
        history = create(user, ip_address="192.0.2.10")

    execution = TaskExecution.objects.get()
    assert history.execution == execution
    assert history.celery_task_id == execution.task_id
    assert (history.status, history.provider) == ("pending", "simulator")
    assert history.hostname == "web-01"
    assert str(history.ip_address) == "192.0.2.10"
    assert execution.task_name == "deploy.deploy_vm"
    assert execution.kwargs == {"history_id": history.pk}
    assert (execution.module, execution.title) == ("deploy", "Deploy web-01")
    assert execution.template == deploy_template  # its recovery thresholds apply
    assert len(callbacks) == 2  # the PENDING push, then the send


def test_a_run_goes_through_the_eight_steps_and_ends_success(user: User) -> None:
    history = create(user)

    result = run(history)

    history = fresh(history)
    execution = history.execution
    assert execution is not None
    assert history.status == "success"
    assert history.last_step == 8
    assert result == {"vm_id": history.vm_id, "ip_address": history.vm_ip_address,
                      "hostname": "web-01", "provider": "simulator"}  # fmt: skip
    assert history.vm_id.startswith("sim-vm-")
    assert history.started_at is not None
    assert history.finished_at is not None
    assert execution.status == "SUCCESS"
    assert execution.progress == 100
    assert (execution.current_step, execution.total_steps) == (8, 8)
    assert execution.message == f"Deployed web-01 at {history.vm_ip_address} (simulator)"
    steps = [message for level, message in logged(history) if message.startswith("Step ")]
    assert [s.split(":")[0] for s in steps] == [f"Step {n}/8" for n in range(1, 9)]
    assert logged(history)[0] == (
        "INFO",
        "Provider: simulator - Simulated: no vCenter is contacted and no VM is created.",
    )
    notification = TaskNotification.objects.get()
    assert (notification.level, notification.title) == ("success", "Deploy web-01 finished")


def test_a_permanent_failure_at_step_5_names_the_step_everywhere(user: User) -> None:
    history = create(user, simulate={"fail_at_step": 5, "step_seconds": 0})

    with pytest.raises(services.DeploymentFailed) as raised:
        run(history)

    history = fresh(history)
    expected = ("Step 5/8 (Power on VM) failed: simulated failure: the host has not enough "
                "resources to power the VM on")  # fmt: skip
    assert str(raised.value) == expected
    assert (history.status, history.error, history.last_step) == ("failed", expected, 4)
    assert history.vm_id  # the clone exists: the history says which VM to look at
    assert history.execution is not None
    assert (history.execution.status, history.execution.error) == ("FAILURE", expected)
    assert history.execution.message == expected
    assert logged(history)[-1] == ("ERROR", expected)
    notification = TaskNotification.objects.get()
    assert (notification.level, notification.message) == ("error", expected)


def test_a_transient_failure_asks_for_a_retry_with_exponential_backoff(
    user: User, settings: Any
) -> None:
    settings.TASKPULSE_DEPLOY_RETRY_BASE_SECONDS = 2
    history = create(user, simulate={"fail_at_step": 2, "transient_failures": 3,
                                     "step_seconds": 0})  # fmt: skip

    countdowns = []
    for attempt in (1, 2, 3):
        with pytest.raises(services.RetryLater) as later:
            run(fresh(history), attempt=attempt)
        countdowns.append(later.value.countdown)

    assert countdowns == [2, 4, 8]
    assert str(later.value).startswith("step 2/8 (Clone VM from template) failed: simulated")
    assert later.value.countdown == 8
    assert fresh(history).status == "deploying"
    warnings = [m for level, m in logged(history) if level == "WARNING"]
    assert warnings[0].startswith("Step 2/8 (Clone VM from template): simulated transient error")
    assert warnings[0].endswith("retry 1 of 3 in 2 s")


def test_a_retry_resumes_after_the_last_completed_step(user: User) -> None:
    history = create(user, simulate={"fail_at_step": 4, "transient_failures": 1,
                                     "step_seconds": 0})  # fmt: skip
    with pytest.raises(services.RetryLater):
        run(history)
    cloned = fresh(history).vm_id

    run(fresh(history), attempt=2)

    history = fresh(history)
    assert history.status == "success"
    assert history.vm_id == cloned  # attached, not cloned a second time
    messages = [m for _, m in logged(history)]
    assert messages.count("Step 2/8: Clone VM from template") == 1
    assert "Attempt 2: resuming at step 4/8 (Configure network)" in messages
    assert f"Found VM {cloned} cloned by an earlier attempt" in messages
    assert messages.count("Step 4/8: Configure network") == 2


def test_transient_failures_beyond_the_retries_end_failed(user: User) -> None:
    history = create(user, simulate={"transient_failures": 9, "step_seconds": 0})

    with pytest.raises(services.DeploymentFailed, match="gave up after 4 attempts"):
        run(history, attempt=4)

    assert fresh(history).error.startswith("Step 1/8 (Connect to vCenter) failed: simulated")


def test_a_cancel_between_steps_logs_which_vm_steps_ran(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = create(user)
    execution = execution_of(history)
    configure = SimulatorProvider.configure_hardware

    def configure_then_cancel(self: SimulatorProvider, tick: Any) -> None:
        configure(self, tick)
        launching.execution_cancel(execution, by=user)

    monkeypatch.setattr(SimulatorProvider, "configure_hardware", configure_then_cancel)

    with pytest.raises(TaskCancelled):
        run(history)
    lifecycle.execution_finish(history.celery_task_id, "REVOKED")  # what track_task does

    history = fresh(history)
    assert history.status == "cancelled"
    assert history.last_step == 3
    assert logged(history)[-1] == (
        "WARNING",
        f"Cancelled after step 3/8 (Configure hardware); VM web-01 ({history.vm_id}) exists "
        "and was left as it is.",
    )
    assert "Step 4/8: Configure network" not in [m for _, m in logged(history)]


def test_an_unexpected_error_in_a_step_still_names_the_step(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: SimulatorProvider, tick: Any) -> None:
        raise KeyError("nic0")

    monkeypatch.setattr(SimulatorProvider, "configure_network", broken)
    history = create(user)

    with pytest.raises(services.DeploymentFailed):
        run(history)

    history = fresh(history)
    assert history.error == "Step 4/8 (Configure network) failed: KeyError: 'nic0'"
    assert history.execution is not None
    assert "KeyError" in history.execution.traceback


def test_a_provider_that_cannot_run_here_fails_at_step_1(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vsphere, "PYVMOMI_MISSING", ImportError("No module named 'pyVmomi'"))
    history = create(user, simulate={})
    DeploymentHistory.objects.filter(pk=history.pk).update(provider="vsphere")

    with pytest.raises(services.DeploymentFailed):
        run(fresh(history))

    assert fresh(history).error.startswith(
        "Step 1/8 (Connect to vCenter) failed: the vsphere provider needs the optional "
        "package 'pyvmomi'"
    )


def test_the_history_follows_an_execution_ended_by_recovery(user: User) -> None:
    history = create(user)
    held_starts.execution_mark_started(history.celery_task_id, worker="w@host", attempt=1)
    assert history.execution_id is not None
    lifecycle.execution_apply(history.execution_id, rules.Change(current_step=3))
    execution = execution_of(history)

    recovery.fail(execution, "Worker lost (w@host)")

    history = fresh(history)
    assert history.status == "failed"
    assert history.error == "Failed during step 3/8 (Configure hardware): Worker lost (w@host)"
    assert history.finished_at is not None


def test_a_cancel_before_the_start_ends_the_history_cancelled(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.celery import app

    monkeypatch.setattr(app.control, "revoke", lambda *args, **kwargs: None)
    history = create(user)
    execution = execution_of(history)

    assert launching.execution_cancel(execution, by=user) == "REVOKED"

    assert fresh(history).status == "cancelled"


def test_progress_saves_of_running_executions_cost_the_sync_no_query(
    user: User, django_assert_num_queries
) -> None:
    history = create(user)
    execution = execution_of(history)
    execution.message = "still working"

    with django_assert_num_queries(1):  # the UPDATE of the execution, nothing for the history
        execution.save(update_fields=["message"])


def test_a_cancel_inside_a_long_step_stops_it_there(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = create(user)
    execution = execution_of(history)

    def network_cancelled_halfway(self: SimulatorProvider, tick: Any) -> None:
        launching.execution_cancel(execution, by=user)
        tick(0.5)  # the next progress report sees the cancel
        raise AssertionError("a cancelled step must not go on")

    monkeypatch.setattr(SimulatorProvider, "configure_network", network_cancelled_halfway)

    with pytest.raises(TaskCancelled):
        run(history)

    history = fresh(history)
    assert history.last_step == 3
    assert logged(history)[-1] == (
        "WARNING",
        "Cancelled during step 4/8 (Configure network), after step 3/8 (Configure hardware); "
        f"VM web-01 ({history.vm_id}) exists and was left as it is.",
    )


def test_a_cancel_before_any_step_says_no_vm_was_created(user: User) -> None:
    history = create(user)
    held_starts.execution_mark_started(history.celery_task_id, worker="w@host", attempt=1)
    launching.execution_cancel(execution_of(history), by=user)

    with pytest.raises(TaskCancelled):
        run(history)

    assert logged(history)[-1] == (
        "WARNING",
        "Cancelled during step 1/8 (Connect to vCenter), before any step completed; "
        "no VM was created.",
    )


def test_an_attempt_after_the_last_step_only_finishes(user: User) -> None:
    history = create(user)
    DeploymentHistory.objects.filter(pk=history.pk).update(
        last_step=8, vm_id="sim-vm-1", vm_ip_address="10.0.0.7"
    )

    result = run(fresh(history), attempt=2)

    assert result["vm_id"] == "sim-vm-1"
    assert fresh(history).status == "success"
    assert not [m for _, m in logged(history) if m.startswith("Step ")]


class Crash(BaseException):
    """The worker dies here (SIGKILL): nothing of the runner's own handling runs."""


def test_a_clone_repeated_after_a_crash_uses_the_vm_it_made(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = create(user)
    real_work = SimulatorProvider.work

    def dies_while_cloning(self: SimulatorProvider, step: Any, tick: Any) -> None:
        if step.key == "clone":
            raise Crash()
        real_work(self, step, tick)

    with monkeypatch.context() as patch:
        patch.setattr(SimulatorProvider, "work", dies_while_cloning)
        with pytest.raises(Crash):
            run(history)
    assert fresh(history).last_step == 1  # the clone never completed for the history

    run(fresh(history), attempt=2)

    history = fresh(history)
    messages = [message for _, message in logged(history)]
    assert history.status == "success"
    assert sum(m.startswith("Cloning template") for m in messages) == 1
    assert f"Found VM web-01 ({history.vm_id}) cloned by an earlier attempt; not cloning again" in (
        messages
    )
    assert list(SimulatedVM.objects.values_list("vm_id", flat=True)) == [history.vm_id]


def test_a_database_error_in_a_step_is_retried_by_the_task_not_a_failure(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def connection_lost(self: SimulatorProvider, tick: Any) -> None:
        raise OperationalError("the connection is lost")

    monkeypatch.setattr(SimulatorProvider, "configure_network", connection_lost)
    history = create(user)

    with pytest.raises(OperationalError):
        run(history)

    history = fresh(history)
    assert (history.status, history.error) == ("deploying", "")
    assert execution_of(history).status == "PROGRESS"

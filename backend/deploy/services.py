"""Deployments: create and launch one, run its eight steps, keep its history in step.

The execution (task_manager) is the live record: status, progress, log lines. The history
is the lasting one (it outlives the execution, which retention deletes). The task writes
the history as it goes (started, each step done, the VM id and IP), and the history's end
follows its execution's end whoever ended it: the task, a cancel before it started, or
recovery (timeout, lost worker) - see `deployment_sync_from_execution`.

A retried attempt (transient provider error, or a re-queue after a lost worker) resumes at
the first step not completed: it never clones a second VM.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from deploy.models import ACTIVE_DEPLOYMENT_STATUSES, DeploymentHistory, DeploymentStatus
from deploy.providers import (
    DeploySpec,
    Provider,
    ProviderError,
    TransientProviderError,
    configured_provider,
    create_provider,
)
from deploy.steps import STEPS, TOTAL_STEPS, Step, step
from task_manager import tracking
from task_manager.models import ExecutionStatus, TaskExecution, TaskTemplate
from task_manager.tracking import Change, ProgressReporter, TaskCancelled

TASK_NAME = "deploy.deploy_vm"
MAX_RETRIES = 3
CANCEL_CHECK_SECONDS = 0.25  # inside a step, at most this often (each check is a query)
SPEC_FIELDS = ("hostname", "vcenter_host", "datacenter", "template", "network",
               "cpu", "memory_gb", "disk_gb")  # fmt: skip
S = ExecutionStatus
D = DeploymentStatus


class DeploymentFailed(Exception):
    """A step failed for good; the message names the step."""


class RetryLater(Exception):
    """A step failed transiently and retries remain: the task retries after `countdown`."""

    def __init__(self, reason: str, countdown: float) -> None:
        super().__init__(reason)
        self.countdown = countdown

    def __repr__(self) -> str:
        return str(self)  # Celery's retry message quotes it: "Retry in 5s: <this>"


# --- creating -------------------------------------------------------------------------------


def deploy_template() -> TaskTemplate | None:
    """The "Deploy VM" template: its recovery thresholds apply to every deployment."""
    return TaskTemplate.objects.filter(task_name=TASK_NAME).order_by("pk").first()


@transaction.atomic
def deployment_create(
    *, user: User, params: dict[str, Any], template: TaskTemplate | None = None
) -> DeploymentHistory:
    """Record a deployment and launch its task once the transaction commits."""
    history = DeploymentHistory.objects.create(
        user=user, provider=configured_provider(), ip_address=params.get("ip_address") or None,
        simulate=params.get("simulate") or {}, **{name: params[name] for name in SPEC_FIELDS},
    )  # fmt: skip
    execution = tracking.execution_launch(
        task=TASK_NAME, user=user, kwargs={"history_id": history.pk},
        title=f"Deploy {history.hostname}", template=template or deploy_template(),
        params=params,
    )  # fmt: skip
    history.execution = execution
    history.celery_task_id = execution.task_id
    history.save(update_fields=["execution", "celery_task_id", "updated_at"])
    return history


def spec_of(history: DeploymentHistory) -> DeploySpec:
    return DeploySpec(
        **{name: getattr(history, name) for name in SPEC_FIELDS},
        ip_address=history.ip_address or "", simulate=history.simulate or {},
        key=history.celery_task_id,
    )  # fmt: skip


# --- running ----------------------------------------------------------------------------------


def deployment_run(*, history_id: int, progress: ProgressReporter, attempt: int) -> dict[str, Any]:
    """Run (or resume) a deployment's steps; the task's whole body."""
    history = deployment_start(history_id=history_id)
    return DeploymentRun(history, progress, attempt=attempt).execute()


def deployment_start(*, history_id: int) -> DeploymentHistory:
    history = DeploymentHistory.objects.get(pk=history_id)
    history.status = D.DEPLOYING
    history.started_at = history.started_at or timezone.now()
    history.save(update_fields=["status", "started_at", "updated_at"])
    return history


class StepTicker:
    """What a provider calls inside a step: moves the percent, checks for a cancel."""

    def __init__(self, progress: ProgressReporter, current: Step) -> None:
        self.progress = progress
        self.current = current
        self.last_check = time.monotonic()

    def __call__(self, fraction: float) -> None:
        done = self.current.number - 1 + min(1.0, max(0.0, fraction))
        self.progress.percent(100 * done / TOTAL_STEPS)
        if time.monotonic() - self.last_check >= CANCEL_CHECK_SECONDS:
            self.last_check = time.monotonic()
            self.progress.check_cancelled()


class DeploymentRun:
    """One attempt at a deployment: the steps in order, and what happens when one fails."""

    def __init__(self, history: DeploymentHistory, progress: ProgressReporter, *, attempt: int):
        self.history = history
        self.progress = progress
        self.attempt = attempt
        self.current = STEPS[0]
        self.provider: Provider | None = None

    def log(self, level: str, message: str) -> None:
        self.progress.log(message, level=level)

    def execute(self) -> dict[str, Any]:
        try:
            self.provider = create_provider(self.history.provider, spec_of(self.history),
                                            log=self.log, attempt=self.attempt)  # fmt: skip
            self.log("INFO", f"Provider: {self.history.provider} - {self.provider.description}")
            for each in STEPS:
                self.run_step(each)
        except TaskCancelled:
            self.log_cancel()
            raise
        except TransientProviderError as exc:
            self.retry_or_fail(exc)
        except ProviderError as exc:
            self.fail(str(exc))
        except tracking.TRANSIENT_DATABASE_ERRORS:
            raise  # the database went away, not the deployment: the task is retried
        except Exception as exc:
            self.fail(f"{type(exc).__name__}: {exc}", trace=traceback.format_exc())
        finally:
            self.close_provider()
        return self.succeed()

    def run_step(self, current: Step) -> None:
        assert self.provider is not None
        done = current.number <= self.history.last_step
        if done and (current.number > 1 or self.history.last_step == TOTAL_STEPS):
            return  # an earlier attempt did it
        self.current = current
        self.progress.check_cancelled()
        if done:
            return self.reconnect()
        self.progress.step(current.number, TOTAL_STEPS, current.message)
        self.log("INFO", f"Step {current.number}/{TOTAL_STEPS}: {current.title}")
        outcome = getattr(self.provider, current.key)(StepTicker(self.progress, current))
        # Recorded before the next report, which may raise TaskCancelled: it happened.
        deployment_step_done(self.history, current, outcome)
        self.progress.percent(100 * current.number / TOTAL_STEPS)

    def reconnect(self) -> None:
        """A resumed attempt: a new vCenter session and the VM cloned before, if any."""
        assert self.provider is not None
        resume_at = step(self.history.last_step + 1)
        self.log("INFO", f"Attempt {self.attempt}: resuming at {resume_at.label}")
        self.provider.connect(StepTicker(self.progress, self.current))
        if self.history.vm_id:
            self.provider.attach(self.history.vm_id)

    def retry_or_fail(self, exc: TransientProviderError) -> NoReturn:
        if self.attempt > MAX_RETRIES:
            self.fail(f"{exc} (gave up after {self.attempt} attempts)")
        countdown = settings.TASKPULSE_DEPLOY_RETRY_BASE_SECONDS * 2 ** (self.attempt - 1)
        self.log("WARNING", f"{self.current.heading}: {exc}; retry {self.attempt} "
                            f"of {MAX_RETRIES} in {countdown:g} s")  # fmt: skip
        self.progress.flush()
        raise RetryLater(f"{self.current.label} failed: {exc}", countdown)

    def fail(self, reason: str, *, trace: str = "") -> NoReturn:
        message = f"{self.current.heading} failed: {reason}"
        self.log("ERROR", message)
        self.progress.flush()
        deployment_fail(self.history, error=message, trace=trace)
        raise DeploymentFailed(message)

    def log_cancel(self) -> None:
        """Say which VM steps ran: a cancelled deployment may leave a VM behind."""
        history, done = self.history, self.history.last_step
        where = [f"during {self.current.label}"] if self.current.number > done else []
        where.append(f"after {step(done).label}" if done else "before any step completed")
        vm = (f"VM {history.hostname} ({history.vm_id}) exists and was left as it is"
              if history.vm_id else "no VM was created")  # fmt: skip
        self.progress.flush()
        deployment_log(history, "WARNING", f"Cancelled {', '.join(where)}; {vm}.")

    def succeed(self) -> dict[str, Any]:
        history = self.history
        result = {"vm_id": history.vm_id, "ip_address": history.vm_ip_address,
                  "hostname": history.hostname, "provider": history.provider}  # fmt: skip
        message = f"Deployed {history.hostname} at {history.vm_ip_address} ({history.provider})"
        self.log("INFO", message)
        self.progress.flush()
        tracking.execution_finish(history.celery_task_id, S.SUCCESS, result=result,
                                  message=message)  # fmt: skip
        return result

    def close_provider(self) -> None:
        if self.provider is None:
            return
        try:
            self.provider.close()
        except Exception as exc:  # the deployment's outcome does not depend on a logout
            deployment_log(self.history, "WARNING", f"Closing the vCenter session: {exc}")


def deployment_step_done(history: DeploymentHistory, done: Step, outcome: Any) -> None:
    """Remember a completed step (and what it produced) so a retry resumes after it."""
    history.last_step = done.number
    fields = ["last_step", "updated_at"]
    if done.key == "clone":
        history.vm_id = str(outcome)
        fields.append("vm_id")
    elif done.key == "wait_for_guest":
        history.vm_ip_address = str(outcome)
        fields.append("vm_ip_address")
    history.save(update_fields=fields)


def deployment_log(history: DeploymentHistory, level: str, message: str) -> None:
    """A log line written at once, past the progress reporter (which a cancel has closed)."""
    if history.execution_id is None:
        return
    change = Change(logs=[(timezone.now(), level, message)])
    tracking.execution_apply(history.execution_id, change)


@transaction.atomic
def deployment_fail(history: DeploymentHistory, *, error: str, trace: str = "") -> None:
    """End a deployment failed: the history names the step, and so does the notification."""
    now = timezone.now()
    DeploymentHistory.objects.filter(pk=history.pk).update(
        status=D.FAILED, error=error, finished_at=now, updated_at=now
    )
    tracking.execution_finish(history.celery_task_id, S.FAILURE, error=error, message=error,
                              traceback=trace)  # fmt: skip


# --- the history follows its execution -------------------------------------------------------

FINAL_STATUS = {S.SUCCESS: D.SUCCESS, S.FAILURE: D.FAILED, S.REVOKED: D.CANCELLED}


def deployment_sync_from_execution(*, execution: TaskExecution) -> int:
    """End the active history of a finished execution as it ended; returns rows updated."""
    status = FINAL_STATUS.get(S(execution.status))
    if status is None:
        return 0
    now = timezone.now()
    fields: dict[str, Any] = {"status": status, "updated_at": now,
                              "finished_at": execution.finished_at or now}  # fmt: skip
    if status == D.FAILED:
        fields["error"] = failure_text(execution)
    return DeploymentHistory.objects.filter(
        execution_id=execution.pk, status__in=ACTIVE_DEPLOYMENT_STATUSES
    ).update(**fields)


def failure_text(execution: TaskExecution) -> str:
    """A failure from outside the task (timeout, lost worker), named by the step it hit."""
    error = execution.error or execution.message or "unknown error"
    if 1 <= execution.current_step <= TOTAL_STEPS:
        return f"Failed during {step(execution.current_step).label}: {error}"
    return error

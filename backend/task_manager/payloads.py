"""The one builder of each JSON shape that REST, WebSocket and tests share."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from task_manager import redaction, rules, steps
from task_manager.models import TaskExecution, TaskLogLine, TaskNotification


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def execution_duration(execution: TaskExecution) -> float | None:
    if execution.started_at is None:
        return None
    end = execution.finished_at or timezone.now()
    return round(max(0.0, (end - execution.started_at).total_seconds()), 3)


def execution_eta(execution: TaskExecution) -> float | None:
    """Seconds left, extrapolated from the elapsed time and the progress made so far."""
    if not execution.is_active or execution.started_at is None or execution.progress <= 0:
        return None
    elapsed = (timezone.now() - execution.started_at).total_seconds()
    return round(elapsed * (100 - execution.progress) / execution.progress, 1)


def execution_data(execution: TaskExecution) -> dict[str, Any]:
    """The execution resource of API.md (GET executions/{id}/ and WebSocket task.status)."""
    user = execution.user
    return {
        "id": execution.pk,
        "task_id": execution.task_id,
        "name": execution.name,
        "module": execution.module,
        "title": execution.title,
        "kind": execution.kind,
        "backend": execution.backend or None,
        "user": {"id": user.pk, "username": user.get_username()} if user else None,
        **progress_fields(execution),
        "result": execution.result,
        "error": execution.error or None,
        "worker": execution.worker or None,
        "attempt": execution.attempt,
        "parent_id": execution.parent_id,
        "children_count": execution.children_count,
        "children_failed": execution.children_failed,
        "retry_of": execution.retry_of_id,
        "template_id": execution.template_id,
        "params": redaction.redacted(execution.params),
        "created_at": iso(execution.created_at),
        "started_at": iso(execution.started_at),
        "finished_at": iso(execution.finished_at),
        "duration": execution_duration(execution),
        "seq": execution.seq,
        "is_active": execution.is_active,
        "cancel_requested": execution.cancel_requested_at is not None,
        "can_cancel": execution.is_active and execution.cancel_requested_at is None,
        "can_retry": rules.can_retry(execution.status, execution.task_name),
    }


def execution_detail_data(execution: TaskExecution, *, staff: bool) -> dict[str, Any]:
    """The REST detail: the resource, plus its arguments (redacted), named steps, retries
    (one query) and, for staff, the traceback."""
    data = execution_data(execution)
    data.update(redaction.arguments_data(execution.args, execution.kwargs))
    data["steps"] = steps.steps_data(execution)
    data["retries"] = list(execution.retries.order_by("pk").values_list("pk", flat=True))
    if staff:
        data["traceback"] = execution.traceback or None
    return data


def progress_fields(execution: TaskExecution) -> dict[str, Any]:
    """What a task.progress message carries; the execution resource includes all of it."""
    return {
        "status": execution.status,
        "progress": execution.progress,
        "current_step": execution.current_step,
        "total_steps": execution.total_steps,
        "message": execution.message,
        "total_items": execution.total_items,
        "processed_items": execution.processed_items,
        "failed_items": execution.failed_items,
        "eta_seconds": execution_eta(execution),
    }


def status_event(execution: TaskExecution, seq: int | None = None) -> dict[str, Any]:
    return {
        "type": "task.status",
        "execution_id": execution.pk,
        "seq": execution.seq if seq is None else seq,
        "execution": execution_data(execution),
    }


def progress_event(execution: TaskExecution, seq: int) -> dict[str, Any]:
    return {
        "type": "task.progress",
        "execution_id": execution.pk,
        "seq": seq,
        **progress_fields(execution),
    }


def log_line_data(line: TaskLogLine) -> dict[str, Any]:
    return {"seq": line.seq, "ts": iso(line.ts), "level": line.level, "message": line.message}


def log_event(execution_id: int, lines: list[TaskLogLine]) -> dict[str, Any]:
    return {
        "type": "task.log",
        "execution_id": execution_id,
        "seq": lines[-1].seq,
        "lines": [log_line_data(line) for line in lines],
    }


def notification_data(notification: TaskNotification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "level": notification.level,
        "title": notification.title,
        "message": notification.message,
        "execution_id": notification.execution_id,
        "module": notification.execution.module if notification.execution else None,
        "created_at": iso(notification.created_at),
        "read": notification.read_at is not None,
    }


def notification_event(notification: TaskNotification) -> dict[str, Any]:
    return {"type": "notification", "notification": notification_data(notification)}

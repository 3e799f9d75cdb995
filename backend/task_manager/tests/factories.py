"""Plain functions that create task_manager rows for tests (no factory library)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from task_manager.models import (
    FINISHED_STATUSES,
    ExecutionStatus,
    TaskExecution,
    TaskLogLine,
    TaskNotification,
    TaskTemplate,
)

DEMO_TASK = "task_manager.demo"
DEMO_SCHEMA = {
    "type": "object",
    "properties": {
        "steps": {"type": "integer", "minimum": 1, "maximum": 100},
        "step_seconds": {"type": "number", "minimum": 0},
        "fail_at_step": {"type": "integer", "minimum": 0},
    },
    "required": ["steps"],
    "additionalProperties": False,
}


def make_execution(
    *,
    user: User | None = None,
    status: str = ExecutionStatus.PENDING,
    name: str = DEMO_TASK,
    module: str = "demo",
    created_at: datetime | None = None,
    **fields: Any,
) -> TaskExecution:
    """An execution row as tracking would leave it; finished ones get start and end times."""
    now = timezone.now()
    if status in FINISHED_STATUSES:
        fields.setdefault("started_at", now - timedelta(seconds=10))
        fields.setdefault("finished_at", now)
    elif status != ExecutionStatus.PENDING:
        fields.setdefault("started_at", now - timedelta(seconds=5))
    if status == ExecutionStatus.SUCCESS:
        fields.setdefault("progress", 100.0)
    execution = TaskExecution.objects.create(
        task_id=str(uuid.uuid4()), name=name, task_name=fields.pop("task_name", name),
        module=module, user=user, status=status, **fields,
    )  # fmt: skip
    if created_at is not None:  # auto_now_add ignores a value passed to create()
        TaskExecution.objects.filter(pk=execution.pk).update(created_at=created_at)
        execution.created_at = created_at
    return execution


def started_execution(user: User | None, **fields: Any) -> TaskExecution:
    """A STARTED execution of a task named demo.x (any field may be given)."""
    defaults = {"task_id": f"t-{TaskExecution.objects.count()}-{id(fields)}", "name": "demo.x",
                "task_name": "demo.x", "module": "demo", "status": "STARTED",
                "started_at": timezone.now()}  # fmt: skip
    return TaskExecution.objects.create(user=user, **{**defaults, **fields})


def make_executions(count: int, **fields: Any) -> list[TaskExecution]:
    return [make_execution(**fields) for _ in range(count)]


def make_log_lines(
    execution: TaskExecution, count: int, *, level: str = "INFO"
) -> list[TaskLogLine]:
    """Append `count` log lines, each with the execution's next seq."""
    start = execution.seq
    lines = TaskLogLine.objects.bulk_create(
        TaskLogLine(
            execution=execution, seq=start + offset, ts=timezone.now(), level=level,
            message=f"line {start + offset}",
        )
        for offset in range(1, count + 1)
    )  # fmt: skip
    execution.seq = start + count
    TaskExecution.objects.filter(pk=execution.pk).update(seq=execution.seq)
    return lines


def make_template(**fields: Any) -> TaskTemplate:
    defaults: dict[str, Any] = {
        "name": f"Demo {uuid.uuid4().hex[:8]}",
        "module": "demo",
        "task_name": DEMO_TASK,
        "default_params": {"step_seconds": 0.1},
        "params_schema": DEMO_SCHEMA,
    }
    return TaskTemplate.objects.create(**{**defaults, **fields})


def make_notification(*, user: User, read: bool = False, **fields: Any) -> TaskNotification:
    fields.setdefault("title", "Demo task finished")
    return TaskNotification.objects.create(
        user=user, read_at=timezone.now() if read else None, **fields
    )

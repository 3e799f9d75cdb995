"""The locked write path: every change of an execution is made here, on its locked row.

Each change runs in one transaction that holds the execution's row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's IMMEDIATE transactions serialize writers), so that concurrent updates of
one record (the children of a fan-out advancing their parent) never lose an increment and
`seq` grows by exactly one per change (`next_seq`, the one place it grows). Only the fields
a change sets are saved. Events are published after the commit, so a client never sees a
state that the database does not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from task_manager import events, steps
from task_manager.compiled import Compiled
from task_manager.models import (
    FINISHED_STATUSES,
    ExecutionStatus,
    LogLevel,
    TaskExecution,
    TaskLogLine,
)
from task_manager.payloads import log_event, progress_event, status_event
from task_manager.rules import MESSAGE_MAX, Change, apply_change, can_transition

# The statuses from which an execution may still move to STARTED (a start written late).
STARTABLE = sorted(s for s in ExecutionStatus.values if can_transition(s, ExecutionStatus.STARTED))


def execution_lock(execution_id: int) -> TaskExecution:
    """The execution's row and its user, locked until the transaction ends."""
    return (
        TaskExecution.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=execution_id)
    )


def execution_lock_row(execution_id: int) -> TaskExecution:
    """The execution's row alone (its user read if asked for), locked until the transaction
    ends: the lock of a progress write. Compiled once per connection (compiling the SELECT
    and materializing its row were each half of a progress write)."""
    if connection.get_autocommit():  # as the ORM's select_for_update checks
        raise TransactionManagementError("execution_lock_row needs a transaction to hold the row")
    found = _locked_row.get(execution_id)
    if found is None:
        raise TaskExecution.DoesNotExist(f"no execution {execution_id}")
    return found


_locked_row = Compiled(lambda: TaskExecution.objects.select_for_update(of=("self",)).filter(pk=0))


def execution_lock_by_task_id(task_id: str) -> TaskExecution | None:
    """The row of a Celery task id, locked until the transaction ends; None if unknown."""
    return (
        TaskExecution.objects.select_for_update(of=("self",))
        .select_related("user", "template")
        .filter(task_id=task_id)
        .first()
    )


def next_seq(execution: TaskExecution) -> int:
    """Number one more change of a locked row: the only place `seq` grows."""
    execution.seq += 1
    return execution.seq


def save_change(execution: TaskExecution, change: Change, started: Iterable[str] = ()) -> None:
    """Apply a change and its log lines to a locked row and save what moved, each with its
    seq, together with the `started` fields already set; announced after the commit."""
    moved = apply_change(execution, change)
    if _apply_steps(execution, change, moved):
        moved.append("steps")
    state_seq = next_seq(execution) if moved else None
    lines = _numbered_log_lines(execution, change.logs)
    started = list(started)
    if started or moved or lines:
        save_fields(execution, [*started, *moved, "seq", "updated_at"])
    if moved or lines:
        TaskLogLine.objects.bulk_create(lines)
        announce(execution, state_seq, lines, status_changed="status" in moved)


def save_fields(execution: TaskExecution, names: Iterable[str]) -> None:
    """`execution.save(update_fields=names)` of a locked row, in one UPDATE built here: the
    ORM's compiling of it was a fifth of a progress write. No signal listens to these saves;
    `updated_at`, when named, is set as auto_now would."""
    fields = [_field(name) for name in dict.fromkeys(names)]
    if any(field.name == "updated_at" for field in fields):
        execution.updated_at = timezone.now()
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    params = [field.get_db_prep_save(getattr(execution, field.attname), connection)
              for field in fields]  # fmt: skip
    # Only the model's own table and column names go into the text; every value is a parameter.
    table = TaskExecution._meta
    sql = f"UPDATE {quote(table.db_table)} SET {sets} WHERE {quote(str(table.pk.column))} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, execution.pk])


def _apply_steps(execution: TaskExecution, change: Change, moved: list[str]) -> bool:
    """Named steps: a new plan, the steps the task started (or the step a change without
    marks moved to, now); whether they changed."""
    marks = list(change.step_marks)
    if not marks and "current_step" in moved:
        marks = [(execution.current_step, timezone.now(), change.message)]
    if change.step_plan is None and not marks:
        return False
    before = execution.steps
    current = before if isinstance(before, list) else []
    if change.step_plan is not None:
        current = steps.replan(current, change.step_plan)
    execution.steps = steps.marked(current, marks)
    return execution.steps != before


def _numbered_log_lines(
    execution: TaskExecution, logs: Iterable[tuple[datetime, str, str]]
) -> list[TaskLogLine]:
    lines = []
    for ts, level, message in logs:
        lines.append(
            TaskLogLine(
                execution=execution, seq=next_seq(execution), ts=ts,
                level=level if level in LogLevel.values else LogLevel.INFO, message=message,
            )
        )  # fmt: skip
    return lines


def move_status(
    execution: TaskExecution, status: str, *, message: str | None = None, **fields: Any
) -> list[str]:
    """Set a status and fields on a locked row in memory, with a seq and its announce;
    returns the fields for the caller to save ([] when the transition is not allowed)."""
    if not can_transition(execution.status, status):
        return []
    fields["status"] = status
    if message is not None:
        fields["message"] = message[:MESSAGE_MAX]
    for name, value in fields.items():
        setattr(execution, name, value)
    announce(execution, next_seq(execution), [], status_changed=True)
    return [*fields, "seq", "updated_at"]


def execution_set_status(
    execution: TaskExecution, status: str, *, message: str | None = None, **fields: Any
) -> bool:
    """Move a locked execution to a new status with extra fields; False if not allowed."""
    moved = move_status(execution, status, message=message, **fields)
    if moved:
        save_fields(execution, moved)
    return bool(moved)


def execution_touch(execution_id: int) -> None:
    """A change of what the detail shows that no field of the row holds (a retry made of
    it): a new seq, so that ETags change, and a status event. Inside a transaction."""
    execution = execution_lock(execution_id)
    seq = next_seq(execution)
    save_fields(execution, ["seq", "updated_at"])
    announce(execution, seq, [], status_changed=True)


def execution_end_returning(
    task_id: str, status: str, fields: dict[str, Any], *,
    start: dict[str, Any] | None = None, started_at: datetime | None = None,
) -> TaskExecution | None:  # fmt: skip
    """End a task's running execution in one UPDATE ... RETURNING: `status` and `fields`,
    with one seq; the start's fields (worker, owner, attempt) too when the row may still
    move to STARTED; started_at kept, else `started_at`. Announced after the commit.

    None, with nothing written, when no row matched: an unknown task, an execution that
    has ended already, or one that waits for its children (the caller locks and decides).
    On PostgreSQL the UPDATE holds the row until the transaction ends, like
    execution_lock; on SQLite the transaction's IMMEDIATE lock does.
    """
    table = TaskExecution._meta
    quote, sets, params = connection.ops.quote_name, [], []

    def value(name: str, raw: Any) -> Any:
        return _field(name).get_db_prep_save(raw, connection)

    for name, raw in {"status": status, **fields, "updated_at": timezone.now()}.items():
        sets.append(f"{quote(str(_field(name).column))} = %s")
        params.append(value(name, raw))
    startable = ", ".join(["%s"] * len(STARTABLE))
    for name, raw in (start or {}).items():
        column = quote(str(_field(name).column))
        sets.append(f"{column} = CASE WHEN {quote('status')} IN ({startable}) THEN %s "
                    f"ELSE {column} END")  # fmt: skip
        params += [*STARTABLE, value(name, raw)]
    sets.append(f"{quote('started_at')} = COALESCE({quote('started_at')}, %s)")
    params.append(value("started_at", started_at))
    finished = ", ".join(["%s"] * len(FINISHED_STATUSES))
    ended = _ended.plan()
    returned = ", ".join(quote(column) for column in ended.columns)
    # Only the model's own table and column names go into the text; every value is a parameter.
    sql = (
        f"UPDATE {quote(table.db_table)} SET {', '.join(sets)}, {quote('seq')} = {quote('seq')} + 1"  # noqa: S608
        f" WHERE {quote('task_id')} = %s AND {quote('status')} NOT IN ({finished})"
        f" AND {quote('waits_for_children')} = %s RETURNING {returned}"
    )
    params += [task_id, *sorted(FINISHED_STATUSES), value("waits_for_children", False)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    execution = ended.model(row)
    announce(execution, execution.seq, [], status_changed=True)
    return execution


# What an end reads back: all but the long texts no end needs (arguments, steps,
# traceback), read only if a hook asks for them. Decoding them was a tenth of a tracked
# no-op's time on the worker.
ENDED_FIELDS = [field for field in TaskExecution._meta.concrete_fields
                if field.name not in ("args", "kwargs", "steps", "traceback")]  # fmt: skip
_ended = Compiled(lambda: TaskExecution.objects.only(*(field.name for field in ENDED_FIELDS)))


def _field(name: str) -> Field[Any, Any]:
    """A concrete field of TaskExecution (its column and its value's database form)."""
    field = TaskExecution._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def execution_take_over(execution_id: int, *, previous: str, owner: str, worker: str) -> bool:
    """Make `owner` the owner of a running execution whose owner `previous` is gone; False
    when another process took it over first (one conditional UPDATE decides)."""
    taken = TaskExecution.objects.filter(pk=execution_id, owner=previous).update(
        owner=owner, worker=worker
    )
    return taken == 1


def announce(
    execution: TaskExecution,
    state_seq: int | None,
    lines: list[TaskLogLine],
    *,
    status_changed: bool,
) -> None:
    """Publish what changed once the transaction commits."""
    messages: list[tuple[list[str], dict[str, Any]]] = []
    audience = events.execution_audience(execution.user_id)
    if state_seq is not None:
        build = status_event if status_changed else progress_event
        messages.append((audience, build(execution, state_seq)))
    if lines:
        messages.append(([events.execution_group(execution.pk)], log_event(execution.pk, lines)))

    def send() -> None:
        for groups, message in messages:
            events.publish(groups, message)

    transaction.on_commit(send)


def announce_created(execution: TaskExecution) -> None:
    """Announce a row just created, as it is in memory (its user is read only if not known)."""
    events.publish(events.execution_audience(execution.user_id), status_event(execution))

"""What a fault did to a set of top-level executions, counted from the database, and the
plain-text table the fault-injection harnesses print (make chaos, make cluster-test)."""

from __future__ import annotations

from collections.abc import Sequence


def ended_right(ids: list[int]) -> int:
    """Executions that succeeded with no failed child."""
    from task_manager.models import TaskExecution

    failed_children = TaskExecution.objects.filter(parent_id__in=ids).exclude(status="SUCCESS")
    return (TaskExecution.objects.filter(pk__in=ids, status="SUCCESS")
            .exclude(pk__in=failed_children.values("parent_id")).count())  # fmt: skip


def stuck(ids: list[int]) -> int:
    from task_manager.models import TaskExecution

    return TaskExecution.objects.filter(pk__in=ids, finished_at__isnull=True).count()


def run_twice(ids: list[int]) -> int:
    """Executions whose side effect happened twice: the simulator logged two clones."""
    from django.db.models import Count

    from task_manager.models import TaskLogLine

    clones = (TaskLogLine.objects.filter(execution_id__in=ids, message__startswith="Cloned VM")
              .values("execution_id").annotate(n=Count("id")).filter(n__gt=1))  # fmt: skip
    return clones.count()


def text_table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns padded to their widest cell, a rule under the head."""
    cells = [[str(x) for x in row] for row in rows]
    widths = [max(len(x) for x in column) for column in zip(head, *cells, strict=False)]
    lines = [" | ".join(x.ljust(w) for x, w in zip(head, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)) for row in cells]
    return lines

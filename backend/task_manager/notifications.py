"""Notifications: an owner hears when their execution ends, and marks what they have read."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from task_manager import events
from task_manager.models import ExecutionStatus, NotificationLevel, TaskExecution, TaskNotification
from task_manager.payloads import notification_event

S = ExecutionStatus
NOTIFICATION_LEVELS = {
    S.SUCCESS: NotificationLevel.SUCCESS,
    S.FAILURE: NotificationLevel.ERROR,
    S.REVOKED: NotificationLevel.WARNING,
}
NOTIFICATION_VERBS = {S.SUCCESS: "finished", S.FAILURE: "failed", S.REVOKED: "was cancelled"}


def notify_finished(execution: TaskExecution) -> None:
    """Tell the owner that their execution ended, unless its template opted out."""
    if execution.user_id is None or execution.parent_id is not None:
        return
    if execution.template is not None and not execution.template.notify_on_finish:
        return
    label = execution.title or execution.name
    notification = TaskNotification.objects.create(
        user_id=execution.user_id,
        execution=execution,
        level=NOTIFICATION_LEVELS[S(execution.status)],
        title=f"{label} {NOTIFICATION_VERBS[S(execution.status)]}",
        message=execution.message,
    )
    group = events.user_notifications_group(execution.user_id)
    transaction.on_commit(lambda: events.publish([group], notification_event(notification)))


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (only `ids`, when given); returns how many."""
    queryset = TaskNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())

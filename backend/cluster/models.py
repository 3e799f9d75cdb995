"""The audit trail of admin actions on the cluster."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditRecord(models.Model):
    """One admin action on the cluster (through Flower): who, what, on what, and the outcome.

    Written whether the action succeeded or not; never edited afterwards.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_records",
    )  # fmt: skip
    # Kept as text too, so the record still says who it was after the user is deleted.
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.CharField(max_length=255, help_text="A worker name or a task name.")
    params = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField()
    result = models.TextField(blank=True, help_text="What Flower answered on success.")
    error = models.TextField(blank=True, help_text="Why the action failed.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # The table it was created with in task_manager (moved by state-only migrations).
        db_table = "task_manager_auditrecord"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        outcome = "ok" if self.ok else "failed"
        return f"{self.username or '?'}: {self.action} {self.target} ({outcome})"


class QueuePause(models.Model):
    """A queue no worker consumes until it is resumed (cluster.queues).

    `workers` are those that consumed it when it was paused, and those that started since
    and would have: a resume gives the queue back to them, and to no other worker.
    """

    queue = models.CharField(max_length=120, unique=True)
    workers = models.JSONField(default=list, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    paused_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.queue} (paused)"

"""Tracked executions of Celery tasks, their log lines, reusable templates and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from task_manager.histograms import RUNTIME_FIELDS, WAIT_FIELDS


class ExecutionStatus(models.TextChoices):
    PENDING = "PENDING"
    STARTED = "STARTED"
    PROGRESS = "PROGRESS"
    RETRY = "RETRY"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"


_S = ExecutionStatus
ACTIVE_STATUSES = frozenset({_S.PENDING, _S.STARTED, _S.PROGRESS, _S.RETRY})
RUNNING_STATUSES = frozenset({_S.STARTED, _S.PROGRESS})
FINISHED_STATUSES = frozenset({_S.SUCCESS, _S.FAILURE, _S.REVOKED})


class ExecutionKind(models.TextChoices):
    CELERY = "celery"
    DJANGO = "django"  # Django's tasks framework (django.tasks, or the django-tasks backport)


class WorkerLostPolicy(models.TextChoices):
    FAIL = "fail", "Mark FAILURE"
    REQUEUE = "requeue", "Re-queue while attempts remain"


class TaskTemplate(models.Model):
    """A reusable, launchable task definition with a JSON schema for its params."""

    name = models.CharField(max_length=120, unique=True)
    module = models.CharField(max_length=64, db_index=True)
    task_name = models.CharField(max_length=255, help_text="The Celery task's registered name.")
    description = models.TextField(blank=True)
    default_params = models.JSONField(default=dict, blank=True)
    params_schema = models.JSONField(default=dict, blank=True, help_text="A JSON Schema object.")
    enabled = models.BooleanField(default=True)
    max_retries = models.PositiveSmallIntegerField(
        default=3, help_text="Re-queues recovery may do after a lost message or a lost worker."
    )
    time_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Hard time limit in seconds."
    )
    notify_on_finish = models.BooleanField(default=True)
    on_worker_lost = models.CharField(
        max_length=16, choices=WorkerLostPolicy.choices, default=WorkerLostPolicy.FAIL
    )
    pending_requeue_after = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds PENDING before recovery re-queues (default in settings).",
    )
    pending_timeout = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds PENDING before recovery fails it (default: settings).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["module", "name"]

    def __str__(self) -> str:
        return self.name


class TaskExecution(models.Model):
    """One run of a Celery task, as users see it: status, progress, counters and result."""

    task_id = models.CharField(max_length=255, unique=True)
    # What runs it: a Celery task, or a task of Django's tasks framework (task_id is then its
    # TaskResult.id, and backend the alias of the TASKS backend that holds it).
    kind = models.CharField(
        max_length=8, choices=ExecutionKind.choices, default=ExecutionKind.CELERY
    )
    backend = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255, db_index=True)
    task_name = models.CharField(max_length=255, help_text="The Celery task's registered name.")
    module = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="task_executions",
    )  # fmt: skip
    template = models.ForeignKey(
        TaskTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Kept by the write path (fan_out, a launch under a parent, a child's FAILURE, a bulk
    # delete), so that a page of executions and their WebSocket events need no count query.
    children_count = models.PositiveIntegerField(default=0)
    children_failed = models.PositiveIntegerField(default=0)
    # The execution this one re-sends (POST executions/{id}/retry/); its `retries` list it.
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    status = models.CharField(
        max_length=16, choices=ExecutionStatus.choices, default=ExecutionStatus.PENDING
    )
    progress = models.FloatField(default=0)
    current_step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    total_items = models.PositiveIntegerField(default=0)
    processed_items = models.PositiveIntegerField(default=0)
    failed_items = models.PositiveIntegerField(default=0)
    # Named steps (task_manager.steps): [{"name", "started_at", "finished_at"}], one per
    # step, names declared up front (@track_task(steps=...), progress.plan) or reported.
    steps = models.JSONField(default=list, blank=True)
    # A parent launched children and finishes when the last one does.
    waits_for_children = models.BooleanField(default=False)

    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)

    # The params of a launch from a template: what a retry launches again.
    params = models.JSONField(null=True, blank=True)
    # What recovery needs to send the task again.
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=120, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When it was let through its user's cap (task_manager.turns): at creation, or when an
    # earlier execution ended. Empty while it waits for its turn (PENDING, never sent).
    admitted_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    requeue_count = models.PositiveSmallIntegerField(default=0)

    worker = models.CharField(max_length=255, blank=True)
    # The process running it (task_manager.owners): a second copy of its message waits for
    # it instead of running beside it.
    owner = models.CharField(max_length=300, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="execution_user_created"),
            models.Index(fields=["status", "updated_at"], name="execution_status_updated"),
            models.Index(fields=["module", "-created_at"], name="execution_module_created"),
            models.Index(fields=["finished_at"], name="execution_finished"),
            models.Index(fields=["parent", "-created_at"], name="execution_parent_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100), name="execution_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.task_id}]"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class LogLevel(models.TextChoices):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class TaskLogLine(models.Model):
    execution = models.ForeignKey(TaskExecution, on_delete=models.CASCADE, related_name="log_lines")
    seq = models.PositiveBigIntegerField()
    ts = models.DateTimeField()
    level = models.CharField(max_length=8, choices=LogLevel.choices, default=LogLevel.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["execution", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["execution", "seq"], name="log_line_execution_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.execution_id}#{self.seq} {self.level} {self.message[:60]}"


class NotificationLevel(models.TextChoices):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class TaskNotification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_notifications"
    )
    execution = models.ForeignKey(
        TaskExecution, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    level = models.CharField(
        max_length=8, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(max_length=255)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_read")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class RollupPeriod(models.TextChoices):
    MINUTE = "m"
    HOUR = "h"
    DAY = "d"
    TOTAL = "t"  # since ever (`start` is the epoch): what /metrics counts


class ExecutionRollup(models.Model):
    """Finished executions of one task, queue and worker in one period starting at `start`
    (task_manager.rollups): a minute, an hour, a day, or all time.

    Written at each end, after its commit; read by the metrics endpoint and /metrics, so
    that neither scans the executions. Minute, hour and day rows leave `worker` empty (fewer rows
    to sum); the all-time rows keep it (/metrics' `hostname`). The histograms are one count
    column per slot of histograms.BOUNDS (`runtime_0`..., `wait_0`...; not cumulative), so
    that the database sums them.
    """

    period = models.CharField(max_length=1, choices=RollupPeriod.choices)
    start = models.DateTimeField()
    task_name = models.CharField(max_length=255)
    module = models.CharField(max_length=64, blank=True)
    queue = models.CharField(max_length=120, blank=True)
    worker = models.CharField(max_length=255, blank=True)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    retried = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    runtime_sum = models.FloatField(default=0)
    wait_sum = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "task_name", "queue", "worker"], name="rollup_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start:%Y-%m-%d %H:%M} {self.task_name}@{self.worker}"


for _field in (*RUNTIME_FIELDS, *WAIT_FIELDS):
    ExecutionRollup.add_to_class(_field, models.PositiveIntegerField(default=0))

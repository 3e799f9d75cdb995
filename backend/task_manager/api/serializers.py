"""Input validation and the OpenAPI description of the task API's payloads.

The JSON of an execution and of a notification is built by `task_manager.payloads` (shared
with the WebSocket): the serializers here declare its fields for the schema, and their
`to_representation` returns exactly what payloads builds.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaViolation
from referencing.exceptions import Unresolvable
from rest_framework import serializers

from config.api.inputs import MAX_DB_INTEGER
from config.celery import app as celery_app
from task_manager import payloads
from task_manager.api.filters import ExecutionFilterSerializer, comma_list
from task_manager.launchers import launcher_for
from task_manager.lifecycle import import_task_modules
from task_manager.models import (
    ExecutionKind,
    ExecutionStatus,
    LogLevel,
    NotificationLevel,
    TaskExecution,
    TaskNotification,
    TaskTemplate,
)

logger = logging.getLogger(__name__)

MAX_PARAM_ERRORS = 50
MAX_MESSAGE = 300


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "is_staff"]


# --- executions ------------------------------------------------------------------------------


class ExecutionUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ExecutionSerializer(serializers.Serializer):
    """The execution resource of API.md; the data is always `payloads.execution_data`."""

    id = serializers.IntegerField()
    task_id = serializers.CharField()
    name = serializers.CharField()
    module = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=ExecutionKind.choices,
        help_text="celery: a Celery task; django: a task of Django's tasks framework.",
    )
    backend = serializers.CharField(
        allow_null=True, help_text="django: the TASKS backend's alias that holds it."
    )
    user = ExecutionUserSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=ExecutionStatus.choices)
    progress = serializers.FloatField(help_text="0..100")
    current_step = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    message = serializers.CharField()
    total_items = serializers.IntegerField()
    processed_items = serializers.IntegerField()
    failed_items = serializers.IntegerField()
    result = serializers.JSONField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    worker = serializers.CharField(allow_null=True)
    attempt = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    children_count = serializers.IntegerField(help_text="Child executions (a fan-out's).")
    children_failed = serializers.IntegerField(help_text="Children that ended in FAILURE.")
    retry_of = serializers.IntegerField(
        allow_null=True, help_text="The execution this one retries (POST .../retry/)."
    )
    template_id = serializers.IntegerField(allow_null=True)
    params = serializers.JSONField(
        allow_null=True, help_text="A template launch's params; secret-looking keys redacted."
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    eta_seconds = serializers.FloatField(allow_null=True)
    seq = serializers.IntegerField(help_text="Grows by one with every change.")
    is_active = serializers.BooleanField()
    cancel_requested = serializers.BooleanField()
    can_cancel = serializers.BooleanField()
    can_retry = serializers.BooleanField(
        help_text="A finished FAILURE or REVOKED execution its module can run again."
    )

    def to_representation(self, instance: TaskExecution) -> dict[str, Any]:
        return payloads.execution_data(instance)


class FlowerTaskSerializer(serializers.Serializer):
    """Flower's view of the execution's task (from its events)."""

    state = serializers.CharField(allow_null=True)
    received = serializers.DateTimeField(allow_null=True)
    started = serializers.DateTimeField(allow_null=True)
    runtime = serializers.FloatField(allow_null=True, help_text="Seconds.")
    worker = serializers.CharField(allow_null=True)
    routing_key = serializers.CharField(allow_null=True)


class StepSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="1, 2, ...")
    name = serializers.CharField(help_text="Declared, else the message it started with.")
    status = serializers.ChoiceField(
        choices=["pending", "running", "done", "failed", "cancelled", "skipped"]
    )
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ExecutionDetailSerializer(ExecutionSerializer):
    """The detail adds the arguments, named steps, retries, the traceback for staff, and
    Flower's view of the task."""

    args = serializers.JSONField(
        allow_null=True, help_text="Secret-looking keys redacted; null when too large."
    )
    kwargs = serializers.JSONField(
        allow_null=True, help_text="Secret-looking keys redacted; null when too large."
    )
    arguments_truncated = serializers.BooleanField(
        help_text="args and kwargs are past TASKPULSE_ARGUMENTS_MAX_BYTES: answered as null."
    )
    steps = StepSerializer(many=True)
    retries = serializers.ListField(
        child=serializers.IntegerField(), help_text="Executions retrying this one, oldest first."
    )
    traceback = serializers.CharField(
        allow_null=True, required=False, help_text="Staff only; absent for other users."
    )
    flower = FlowerTaskSerializer(
        required=False,
        help_text="With ?include=flower, when Flower knows the task; absent otherwise.",
    )

    def to_representation(self, instance: TaskExecution) -> dict[str, Any]:
        request = self.context.get("request")
        staff = request is not None and bool(getattr(request.user, "is_staff", False))
        return payloads.execution_detail_data(instance, staff=staff)


class DetailQuerySerializer(serializers.Serializer):
    include = serializers.ChoiceField(
        choices=["flower"], required=False, default="",
        help_text="flower: add Flower's view of the task (a call to Flower; not for polling).",
    )  # fmt: skip


class LogQuerySerializer(serializers.Serializer):
    after_seq = serializers.IntegerField(min_value=0, max_value=MAX_DB_INTEGER, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=5000, default=500)


class LogLineSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    ts = serializers.DateTimeField()
    level = serializers.ChoiceField(choices=LogLevel.choices)
    message = serializers.CharField()


class LogPageSerializer(serializers.Serializer):
    lines = LogLineSerializer(many=True)
    last_seq = serializers.IntegerField(help_text="Pass it as after_seq to read on.")
    has_more = serializers.BooleanField(help_text="More lines follow last_seq.")


class CancelSerializer(serializers.Serializer):
    force = serializers.BooleanField(
        default=False, help_text="Staff: terminate a task that ignored a cancel (grace period)."
    )


class CancelResultSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text='"REVOKED" (it had not started) or "cancelling" (the task stops soon).'
    )


class FacetCountsSerializer(serializers.Serializer):
    """GET executions/counts/: each facet counted with the other filters applied, not its own."""

    status = serializers.DictField(child=serializers.IntegerField(), help_text="By status.")
    module = serializers.DictField(child=serializers.IntegerField(), help_text="By module.")
    name = serializers.DictField(child=serializers.IntegerField(), help_text="By task name.")
    kind = serializers.DictField(
        child=serializers.IntegerField(), help_text="By kind: celery, django."
    )


# What a bulk filter may hold besides the list's filters (ignored: a whole list URL may be sent).
BULK_IGNORED_KEYS = frozenset({"page", "page_size", "ordering"})


class BulkSerializer(serializers.Serializer):
    """POST executions/bulk/: an action on `ids` or on everything matching `filter`."""

    action = serializers.ChoiceField(choices=["cancel", "retry", "delete"])
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_DB_INTEGER),
        required=False, allow_empty=False, max_length=1000,
        help_text="Execution ids (at most 1000); those the caller cannot see are left alone.",
    )  # fmt: skip
    filter = serializers.DictField(
        required=False,
        help_text="The list's query parameters (status, module, name, top_level, active, "
        "user, created_after, created_before, search; lists allowed where a comma list is).",
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate_filter(self, value: dict[str, Any]) -> dict[str, Any]:
        # Every list parameter is known; `user` is then ignored for non-staff, as in the list.
        known = set(ExecutionFilterSerializer().fields) | BULK_IGNORED_KEYS
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown filter."] for name in unknown})
        params = {
            key: ",".join(map(str, item)) if isinstance(item, list) else item
            for key, item in value.items()
            if key not in BULK_IGNORED_KEYS
        }
        filters = ExecutionFilterSerializer(data=params, context=self.context)
        if not filters.is_valid():
            raise serializers.ValidationError(filters.errors)
        return dict(filters.validated_data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError(
                {"non_field_errors": ["Send either `ids` or `filter`, not both nor neither."]}
            )
        return attrs


class UserTasksQuerySerializer(serializers.Serializer):
    module = serializers.CharField(required=False, allow_blank=True, max_length=64)


class ExportQuerySerializer(ExecutionFilterSerializer):
    format = serializers.ChoiceField(choices=["csv", "json"], default="csv")


class ExportRowSerializer(serializers.Serializer):
    """One row of the export (task_manager.api.export.export_row): a CSV line, or one object
    of the JSON file's array."""

    id = serializers.IntegerField()
    task_id = serializers.CharField()
    name = serializers.CharField()
    module = serializers.CharField()
    title = serializers.CharField()
    user = serializers.CharField(help_text="The username; empty for work of no user.")
    status = serializers.ChoiceField(choices=ExecutionStatus.choices)
    progress = serializers.FloatField()
    processed_items = serializers.IntegerField()
    failed_items = serializers.IntegerField()
    total_items = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration = serializers.FloatField(allow_null=True)
    error = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    retry_of = serializers.IntegerField(allow_null=True)
    params = serializers.JSONField(allow_null=True, help_text="Secret-looking keys redacted.")
    args = serializers.JSONField(allow_null=True, help_text="Redacted; null when too large.")
    kwargs = serializers.JSONField(allow_null=True, help_text="Redacted; null when too large.")


# --- stats -----------------------------------------------------------------------------------


class StatsQuerySerializer(serializers.Serializer):
    module = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Comma list allowed."
    )
    days = serializers.IntegerField(min_value=1, max_value=365, default=7)
    include_children = serializers.BooleanField(
        required=False, default=False,
        help_text="Count child executions too (default: top-level executions only).",
    )  # fmt: skip

    def validate_module(self, value: str) -> list[str]:
        return comma_list(value)


class StatsDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    total = serializers.IntegerField()
    success = serializers.IntegerField()
    failure = serializers.IntegerField()


class ModuleStatsSerializer(serializers.Serializer):
    module = serializers.CharField()
    days = serializers.IntegerField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="By status.")
    success_rate = serializers.FloatField(allow_null=True, help_text="Of finished, 0..1.")
    avg_duration = serializers.FloatField(allow_null=True)
    p95_duration = serializers.FloatField(allow_null=True)
    per_day = StatsDaySerializer(many=True)


class StatsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    modules = ModuleStatsSerializer(many=True)


# --- templates -------------------------------------------------------------------------------


def validate_params_schema(schema: Any) -> None:
    """A template's params_schema: a JSON Schema (draft 2020-12) describing an object."""
    if not isinstance(schema, dict):
        raise DjangoValidationError("Expected a JSON Schema object.")
    try:
        Draft202012Validator.check_schema(schema)
    except RecursionError as exc:
        raise DjangoValidationError("The JSON Schema is nested too deeply.") from exc
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.path)
        raise DjangoValidationError(
            f"Not a valid JSON Schema{f' at {where}' if where else ''}: {short(exc.message)}"
        ) from exc
    if schema.get("type", "object") != "object":
        raise DjangoValidationError('The params of a task are an object: use "type": "object".')


def is_registered_task(name: str) -> bool:
    import_task_modules()
    return name in celery_app.tasks


def validate_task_name(name: str) -> None:
    """The Celery task must be registered; Celery's own builtins are not user work."""
    if name.startswith("celery.") or not is_registered_task(name):
        raise DjangoValidationError(f"{name!r} is not a registered Celery task.")


def validate_json_object(value: Any) -> None:
    if not isinstance(value, dict):
        raise DjangoValidationError("Expected a JSON object.")


# What staff may set on a template, through the API or the admin.
TEMPLATE_EDITABLE_FIELDS = [
    "name", "module", "task_name", "description", "default_params", "params_schema",
    "enabled", "max_retries", "time_limit", "notify_on_finish", "on_worker_lost",
    "pending_requeue_after", "pending_timeout",
]  # fmt: skip


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskTemplate
        fields = ["id", *TEMPLATE_EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "task_name": {"validators": [validate_task_name]},
            "params_schema": {"validators": [validate_params_schema]},
            "default_params": {"validators": [validate_json_object]},
        }


def short(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def error_field(error: SchemaViolation) -> str:
    """Where a params error is: its dotted path, plus the missing property for `required`."""
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [name for name in required if name not in error.instance]
        named = [name for name in missing if error.message.startswith(repr(name))]
        path.extend(str(name) for name in (named or missing)[:1])
    return ".".join(path) or "non_field_errors"


def params_errors(schema: dict[str, Any], params: dict[str, Any]) -> dict[str, list[str]]:
    """Validate launch params against a template's schema: {field path: [messages]}."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors: dict[str, list[str]] = defaultdict(list)
    try:
        violations = sorted(validator.iter_errors(params), key=lambda e: list(map(str, e.path)))
    except (RecursionError, Unresolvable, SchemaError) as exc:
        return {"non_field_errors": [f"The template's params_schema cannot be applied: {exc}"]}
    except Exception as exc:  # a schema stored before validation existed (shell, fixtures)
        logger.exception("params_schema failed to validate params")
        return {"non_field_errors": [f"The template's params_schema cannot be applied: {exc}"]}
    for error in violations[:MAX_PARAM_ERRORS]:
        field = error_field(error)
        message = "This field is required." if error.validator == "required" else error.message
        errors[field].append(short(message))
    return dict(errors)


class TemplateLaunchSerializer(serializers.Serializer):
    """`{"params": {...}}`: merged over the template's defaults, checked with its schema."""

    params = serializers.DictField(required=False, default=dict)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        template: TaskTemplate = self.context["template"]
        if not template.enabled:
            raise serializers.ValidationError({"non_field_errors": ["The template is disabled."]})
        defaults = template.default_params if isinstance(template.default_params, dict) else {}
        params = {**defaults, **attrs["params"]}
        # A registered launcher checks the params itself, with the module's own rules and
        # messages; the schema then only describes them.
        has_launcher = launcher_for(template.task_name) is not None
        errors = {} if has_launcher else params_errors(template.params_schema or {}, params)
        if errors:
            raise serializers.ValidationError({"params": errors})
        if not is_registered_task(template.task_name):
            raise serializers.ValidationError(
                {"non_field_errors": [f"Task {template.task_name!r} is no longer registered."]}
            )
        return {"params": params}


# --- notifications ---------------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    """A notification; the data is always `payloads.notification_data`."""

    id = serializers.IntegerField()
    level = serializers.ChoiceField(choices=NotificationLevel.choices)
    title = serializers.CharField()
    message = serializers.CharField()
    execution_id = serializers.IntegerField(allow_null=True)
    module = serializers.CharField(allow_null=True, help_text="Its execution's module.")
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()

    def to_representation(self, instance: TaskNotification) -> dict[str, Any]:
        return payloads.notification_data(instance)


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class UpdatedSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


class EmptyBodySerializer(serializers.Serializer):
    """POSTs without parameters still reject a body that is not a JSON object."""

"""Query-string filters of the execution list (and its export), in plain DRF.

Every parameter is validated by a serializer, so a bad value is a 400 naming the parameter,
never a 500. Non-staff callers cannot filter by user: for them `user` is not even read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OrderBy,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework import serializers
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request

from config.api.inputs import MAX_DB_INTEGER
from task_manager.models import (
    ACTIVE_STATUSES,
    RUNNING_STATUSES,
    ExecutionKind,
    ExecutionStatus,
    TaskExecution,
)

# `ordering`: a column (each also descending with "-"), or running work first.
ORDERING_COLUMNS = {
    "created_at": "created_at",
    "started_at": "started_at",
    "completed_at": "finished_at",
    "finished_at": "finished_at",
    "status": "status",
    "module": "module",
    "name": "name",
    "task_name": "task_name",
    "title": "title",
    "progress": "progress",
    "duration": "duration",
    "user": "user__username",
}
RUNNING_FIRST = "running_first"
ORDERINGS = (
    *(f"{sign}{column}" for column in ORDERING_COLUMNS for sign in ("", "-")),
    RUNNING_FIRST,
)


class CommaSeparatedField(serializers.CharField):
    """A CharField that also accepts the parameter repeated (`?a=x&a=y` reads as "x,y")."""

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist") and len(dictionary.getlist(self.field_name)) > 1:
            return ",".join(dictionary.getlist(self.field_name))
        return super().get_value(dictionary)


def comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ExecutionFilterSerializer(serializers.Serializer):
    status = CommaSeparatedField(
        required=False, allow_blank=True, help_text="One status or a comma-separated list."
    )
    module = CommaSeparatedField(
        required=False, allow_blank=True, max_length=1000, help_text="Comma list allowed."
    )
    name = CommaSeparatedField(
        required=False, allow_blank=True, max_length=1000,
        help_text="Exact task name; comma list allowed.",
    )  # fmt: skip
    kind = serializers.ChoiceField(
        choices=ExecutionKind.values, required=False,
        help_text="celery: Celery tasks only; django: tasks of Django's tasks framework only.",
    )  # fmt: skip
    top_level = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: executions without a parent only; false: children only.",
    )  # fmt: skip
    active = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="true: queued or running only; false: finished only.",
    )  # fmt: skip
    user = serializers.CharField(
        required=False, allow_blank=True, max_length=150,
        help_text="Staff only (ignored for others): a user id or a username.",
    )  # fmt: skip
    created_after = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date or date-time."
    )
    created_before = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date or date-time."
    )
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="Case-insensitive match in title, name, message or task id.",
    )  # fmt: skip
    ordering = serializers.ChoiceField(
        choices=ORDERINGS, required=False,
        help_text="A column, descending with '-' (completed_at is finished_at), or "
        "running_first: running, then queued, then finished, newest first in each.",
    )  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None and not getattr(request.user, "is_staff", False):
            fields.pop("user")
        return fields

    def validate_status(self, value: str) -> list[str]:
        statuses = [status.upper() for status in comma_list(value)]
        unknown = [status for status in statuses if status not in ExecutionStatus.values]
        if unknown:
            choices = ", ".join(ExecutionStatus.values)
            raise serializers.ValidationError(f"Unknown status {unknown[0]!r}; one of {choices}.")
        return statuses

    def validate_module(self, value: str) -> list[str]:
        return comma_list(value)

    def validate_name(self, value: str) -> list[str]:
        return comma_list(value)

    def validate_user(self, value: str) -> Q | None:
        value = value.strip()
        if not value:
            return None
        if not value.isdigit():
            return Q(user__username=value)
        if int(value) > MAX_DB_INTEGER:
            raise serializers.ValidationError("Not a valid user id.")
        return Q(user_id=int(value))


def filter_executions(queryset: QuerySet[TaskExecution], **filters: Any) -> QuerySet[TaskExecution]:
    """Apply validated ExecutionFilterSerializer data to an execution queryset."""
    if filters.get("status"):
        queryset = queryset.filter(status__in=filters["status"])
    if filters.get("module"):
        queryset = queryset.filter(module__in=filters["module"])
    if filters.get("name"):
        queryset = queryset.filter(name__in=filters["name"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("top_level") is not None:
        queryset = queryset.filter(parent__isnull=filters["top_level"])
    if filters.get("active") is not None:
        active = Q(status__in=ACTIVE_STATUSES)
        queryset = queryset.filter(active if filters["active"] else ~active)
    if filters.get("user") is not None:
        queryset = queryset.filter(filters["user"])
    if filters.get("created_after"):
        queryset = queryset.filter(created_at__gte=filters["created_after"])
    if filters.get("created_before"):
        queryset = queryset.filter(created_at__lt=filters["created_before"])
    if filters.get("search"):
        queryset = queryset.filter(search_q(filters["search"]))
    if filters.get("ordering"):
        queryset = ordered(queryset, filters["ordering"])
    return queryset


def ordered(queryset: QuerySet[TaskExecution], ordering: str) -> QuerySet[TaskExecution]:
    """One of ORDERINGS; ties newest first. Empty values (not started, not finished) last."""
    if ordering == RUNNING_FIRST:
        rank = Case(
            When(status__in=RUNNING_STATUSES, then=Value(0)),
            When(status__in=ACTIVE_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return queryset.order_by(rank, "-created_at", "-id")
    column = ORDERING_COLUMNS[ordering.lstrip("-")]
    if column == "duration":
        queryset = queryset.annotate(duration=duration_expression())
    expression = F(column)
    order = (
        expression.desc(nulls_last=True)
        if ordering.startswith("-")
        else expression.asc(nulls_last=True)
    )
    tie: OrderBy = F("id").desc()
    return queryset.order_by(order, tie)


def duration_expression() -> ExpressionWrapper:
    """Seconds run: to the end, or to now while running; empty when not started."""
    end = Coalesce(F("finished_at"), Value(timezone.now(), output_field=DateTimeField()))
    return ExpressionWrapper(end - F("started_at"), output_field=DurationField())


def search_q(text: str) -> Q:
    return (
        Q(title__icontains=text)
        | Q(name__icontains=text)
        | Q(message__icontains=text)
        | Q(task_id__icontains=text)
    )


class ExecutionFilterBackend(BaseFilterBackend):
    """Validates the list's query string and filters the (already visible) executions."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        params = ExecutionFilterSerializer(data=request.query_params, context={"request": request})
        params.is_valid(raise_exception=True)
        return filter_executions(queryset, **params.validated_data)

"""Django admin for executions, their log lines, templates and notifications."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest

from task_manager.api.serializers import (
    TEMPLATE_EDITABLE_FIELDS,
    validate_json_object,
    validate_params_schema,
    validate_task_name,
)
from task_manager.launching import ExecutionFinished, execution_cancel
from task_manager.models import (
    TaskExecution,
    TaskLogLine,
    TaskNotification,
    TaskTemplate,
)


@admin.register(TaskExecution)
class TaskExecutionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "module", "title", "user", "status", "progress",
                    "created_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "module", "created_at"]
    search_fields = ["task_id", "name", "title", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "template", "parent"]
    readonly_fields = ["seq", "task_id", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    actions = ["cancel_executions"]

    @admin.action(description="Cancel selected executions")
    def cancel_executions(self, request: HttpRequest, queryset: QuerySet[TaskExecution]) -> None:
        """Cooperative cancel through the same service as the API; finished ones are skipped."""
        cancelled = skipped = 0
        for execution in queryset:
            try:
                execution_cancel(execution, by=admin_user(request))
                cancelled += 1
            except ExecutionFinished:
                skipped += 1
        level = messages.WARNING if skipped else messages.SUCCESS
        self.message_user(request, f"{cancelled} cancelled, {skipped} already finished.", level)


def admin_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # the admin site requires a staff login
    return request.user


@admin.register(TaskLogLine)
class TaskLogLineAdmin(admin.ModelAdmin):
    list_display = ["execution", "seq", "ts", "level", "message"]
    list_filter = ["level"]
    search_fields = ["message", "execution__task_id"]
    list_select_related = ["execution"]
    raw_id_fields = ["execution"]
    readonly_fields = ["seq"]
    show_full_result_count = False  # log tables grow large


class TaskTemplateForm(forms.ModelForm):
    """The admin checks templates like the API does."""

    class Meta:
        model = TaskTemplate
        fields = TEMPLATE_EDITABLE_FIELDS

    def clean_task_name(self) -> str:
        return checked(validate_task_name, self.cleaned_data["task_name"])

    def clean_params_schema(self) -> Any:
        return checked(validate_params_schema, self.cleaned_data["params_schema"])

    def clean_default_params(self) -> Any:
        return checked(validate_json_object, self.cleaned_data["default_params"])


def checked(validator: Any, value: Any) -> Any:
    validator(value)  # raises django's ValidationError, which the form shows on the field
    return value


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    form = TaskTemplateForm
    list_display = ["name", "module", "task_name", "enabled", "notify_on_finish", "updated_at"]
    list_filter = ["module", "enabled"]
    search_fields = ["name", "task_name", "description"]


@admin.register(TaskNotification)
class TaskNotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "level", "execution", "created_at", "read_at"]
    list_filter = ["level", "created_at"]
    search_fields = ["title", "message", "user__username"]
    list_select_related = ["user", "execution"]
    raw_id_fields = ["user", "execution"]

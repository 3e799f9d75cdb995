"""Django admin for deployments: a read-only record (deployments start from the API)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from deploy.models import DeploymentHistory


@admin.register(DeploymentHistory)
class DeploymentHistoryAdmin(admin.ModelAdmin):
    list_display = ["id", "hostname", "user", "provider", "status", "last_step", "vm_id",
                    "vm_ip_address", "created_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "provider", "created_at"]
    search_fields = ["hostname", "vcenter_host", "vm_id", "celery_task_id", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "execution"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a row without its task would never run

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

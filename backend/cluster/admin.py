"""Django admin for the audit trail of cluster actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cluster.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    """The audit trail of cluster actions: readable by staff, never written here."""

    list_display = ["created_at", "username", "action", "target", "ok"]
    list_filter = ["ok", "action", "created_at"]
    search_fields = ["username", "target", "result", "error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

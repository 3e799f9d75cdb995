"""Query parameters of the EDI API, and the OpenAPI description of what it answers.

The data is always built by edi.payloads; these serializers only describe it.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from config.api.inputs import MAX_DB_INTEGER
from edi import payloads
from edi.models import Import, Invoice
from edi.selectors import INVOICE_ORDERINGS


class ImportQuerySerializer(serializers.Serializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class InvoiceQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=100)
    supplier = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INTEGER)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    issued_after = serializers.DateField(required=False)
    issued_before = serializers.DateField(required=False)
    job_id = serializers.UUIDField(required=False)
    ordering = serializers.ChoiceField(choices=INVOICE_ORDERINGS, required=False)


class LaunchedSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    job_id = serializers.UUIDField()
    execution_id = serializers.IntegerField()
    files = serializers.IntegerField()
    message = serializers.CharField()


class RunningSerializer(serializers.Serializer):
    detail = serializers.CharField()
    job_id = serializers.UUIDField(help_text="The import that is running.")
    execution_id = serializers.IntegerField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    """Seed 002's shape: processed_items counts every file done, failed ones included."""

    job_id = serializers.UUIDField()
    status = serializers.CharField(help_text="pending, in_progress, completed, failed, cancelled")
    task_type = serializers.CharField()
    total_items = serializers.IntegerField()
    processed_items = serializers.IntegerField()
    failed_items = serializers.IntegerField()
    progress_percentage = serializers.IntegerField()
    current_message = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    duration = serializers.FloatField(allow_null=True)


class ImportSerializer(ProgressSerializer):
    id = serializers.IntegerField()
    execution_id = serializers.IntegerField(allow_null=True)
    state = serializers.CharField(allow_null=True, help_text="The execution's status.")
    is_active = serializers.BooleanField()
    user = serializers.DictField()
    created_at = serializers.DateTimeField()
    files_total = serializers.IntegerField()
    files_imported = serializers.IntegerField()
    files_duplicate = serializers.IntegerField()
    files_failed = serializers.IntegerField()
    files_pending = serializers.IntegerField()
    invoices_created = serializers.IntegerField()

    def to_representation(self, instance: Import) -> dict[str, Any]:
        return payloads.import_data(instance)


class ImportDetailSerializer(ImportSerializer):
    files = serializers.ListField(child=serializers.DictField(), help_text="Per-file results.")


class InvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    supplier = serializers.DictField()
    issue_date = serializers.DateField()
    currency = serializers.CharField()
    net_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    tax_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    gross_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    job_id = serializers.UUIDField(allow_null=True)

    def to_representation(self, instance: Invoice) -> dict[str, Any]:
        return payloads.invoice_data(instance)


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = serializers.ListField(child=serializers.DictField())


class SupplierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    invoice_count = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"id": instance.pk, "code": instance.code, "name": instance.name,
                "country": instance.country, "invoice_count": instance.invoice_count}  # fmt: skip

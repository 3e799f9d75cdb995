"""Supplier invoices imported from EDIFACT files, and the imports that brought them in.

An Import is one upload of files; its progress is its execution's (task_manager), the
parent of one child execution per file. An ImportFile ends imported, duplicate or failed
in the same transaction that stores its invoices, so a redelivered task finds it done.

Everything is the uploading user's own (`owner`): a file's content is imported once per
user, an invoice (supplier, number) stored once per user, a supplier known per user. What
another user imported never makes a file of yours a duplicate, nor shows through yours.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from task_manager.models import TaskExecution


class Supplier(models.Model):
    """A party NAD+SU names, as its user's files describe it; `code` is its identification
    (a GLN), else its name."""

    # Null only for suppliers that no invoice named when ownership was introduced.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="edi_suppliers",
    )  # fmt: skip
    code = models.CharField(max_length=35)
    name = models.CharField(max_length=175, blank=True)
    vat_number = models.CharField(max_length=35, blank=True)
    city = models.CharField(max_length=35, blank=True)
    country = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "code"], name="edi_supplier_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.code} ({self.code})"


class Import(models.Model):
    """One upload of files by a user, imported by one parent execution."""

    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edi_imports"
    )
    # Retention deletes old executions; the import and its files stay.
    execution = models.OneToOneField(
        TaskExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="edi_import"
    )
    files_total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="edi_import_user_created")]

    def __str__(self) -> str:
        return f"import {self.job_id} ({self.files_total} files)"


class ImportLock(models.Model):
    """A mutex row per scope ("global", "user:<id>"), locked only while a launch checks
    that no import of its scope is running and creates its own. It holds no state: the
    lease itself is the running import's execution, which recovery ends if its worker dies.
    """

    scope = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.scope


class FileStatus(models.TextChoices):
    PENDING = "pending"
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    FAILED = "failed"


class ImportFile(models.Model):
    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="files")
    # The batch's user, here so that the database can keep content unique per user.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255, help_text="The name it was uploaded with.")
    stored_name = models.CharField(max_length=500, help_text="Its name in default_storage.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=16, choices=FileStatus.choices, default=FileStatus.PENDING)
    error = models.TextField(blank=True, help_text="Why it failed, naming the segment.")
    segment_position = models.PositiveIntegerField(null=True, blank=True)
    segment_tag = models.CharField(max_length=3, blank=True)
    note = models.CharField(max_length=500, blank=True, help_text="E.g. what it duplicates.")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    directory = models.CharField(max_length=16, blank=True, help_text="E.g. D.96A.")
    invoices_created = models.PositiveIntegerField(default=0)
    invoices_existing = models.PositiveIntegerField(default=0)
    execution = models.OneToOneField(
        TaskExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="edi_file"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            # A user imports the same content at most once: a second copy is a duplicate.
            models.UniqueConstraint(
                fields=["owner", "sha256"],
                condition=Q(status="imported"),
                name="edi_file_imported_once_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status != FileStatus.PENDING


class Invoice(models.Model):
    # Null only for invoices whose import was deleted before ownership was introduced.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="edi_invoices",
    )  # fmt: skip
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=35)
    document_type = models.CharField(max_length=3, default="380", help_text="BGM 1001: 380...")
    issue_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    delivery_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    net_total = models.DecimalField(max_digits=14, decimal_places=2)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2)
    gross_total = models.DecimalField(max_digits=14, decimal_places=2)
    buyer_code = models.CharField(max_length=35, blank=True)
    buyer_name = models.CharField(max_length=175, blank=True)
    directory = models.CharField(max_length=16, blank=True)
    source_file = models.ForeignKey(
        ImportFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    batch = models.ForeignKey(
        Import, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "supplier", "number"], name="edi_invoice_once_per_owner"
            ),
        ]
        indexes = [models.Index(fields=["issue_date"], name="edi_invoice_issue_date")]

    def __str__(self) -> str:
        return f"{self.number} ({self.supplier_id})"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField(help_text="1, 2, ... in the order of the file.")
    item_code = models.CharField(max_length=35, blank=True, help_text="E.g. a GTIN.")
    supplier_item_code = models.CharField(max_length=35, blank=True)
    description = models.CharField(max_length=512, blank=True)
    quantity = models.DecimalField(max_digits=15, decimal_places=3)
    unit = models.CharField(max_length=8, blank=True)
    unit_price = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["invoice", "number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="edi_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}#{self.number}"

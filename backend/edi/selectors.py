"""Reads of imports and invoices: who sees what, with the counts a list shows."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum

from edi.models import FileStatus, Import, ImportFile, Invoice, Supplier
from task_manager.models import ACTIVE_STATUSES

INVOICE_ORDERINGS = ("issue_date", "-issue_date", "gross_total", "-gross_total", "number",
                     "-number", "created_at", "-created_at")  # fmt: skip


def is_staff(user: User) -> bool:
    return bool(getattr(user, "is_staff", False))


def import_visible_to(*, user: User) -> QuerySet[Import]:
    """Staff see every import; a user sees their own. Anything else is a 404."""
    queryset = Import.objects.select_related("user", "execution")
    return queryset if is_staff(user) else queryset.filter(user_id=user.pk)


def import_is_visible(batch: Import, *, user: User) -> bool:
    return is_staff(user) or batch.user_id == user.pk


def with_file_counts(queryset: QuerySet[Import]) -> QuerySet[Import]:
    def count(status: str) -> Count:
        return Count("files", filter=Q(files__status=status))

    return queryset.annotate(
        files_imported=count(FileStatus.IMPORTED), files_duplicate=count(FileStatus.DUPLICATE),
        files_failed=count(FileStatus.FAILED), files_pending=count(FileStatus.PENDING),
        invoices_created=Sum("files__invoices_created", default=0),
    )  # fmt: skip


def import_list(*, user: User, active: bool | None = None) -> QuerySet[Import]:
    queryset = with_file_counts(import_visible_to(user=user)).order_by("-created_at", "-id")
    if active is not None:
        in_progress = Q(execution__status__in=ACTIVE_STATUSES)
        queryset = queryset.filter(in_progress if active else ~in_progress)
    return queryset


def import_by_job_id(*, user: User, job_id: uuid.UUID) -> Import | None:
    return with_file_counts(import_visible_to(user=user)).filter(job_id=job_id).first()


def import_files(*, batch: Import) -> QuerySet[ImportFile]:
    return batch.files.select_related("duplicate_of__batch").order_by("pk")


def invoice_visible_to(*, user: User) -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("supplier", "batch", "source_file")
    return queryset if is_staff(user) else queryset.filter(owner_id=user.pk)


def invoice_list(*, user: User, filters: dict[str, Any]) -> QuerySet[Invoice]:
    """Filters: search, supplier (id), currency, issued_after, issued_before, job_id, ordering."""
    queryset = invoice_visible_to(user=user).annotate(line_count=Count("lines"))
    if search := filters.get("search"):
        queryset = queryset.filter(
            Q(number__icontains=search) | Q(supplier__name__icontains=search)
            | Q(supplier__code__icontains=search) | Q(buyer_name__icontains=search)
        )  # fmt: skip
    exact = {"supplier_id": filters.get("supplier"), "currency": filters.get("currency"),
             "batch__job_id": filters.get("job_id")}  # fmt: skip
    queryset = queryset.filter(**{name: value for name, value in exact.items() if value})
    issued_after: date | None = filters.get("issued_after")
    issued_before: date | None = filters.get("issued_before")
    if issued_after:
        queryset = queryset.filter(issue_date__gte=issued_after)
    if issued_before:
        queryset = queryset.filter(issue_date__lte=issued_before)
    return queryset.order_by(filters.get("ordering") or "-issue_date", "-id")


def invoice_detail(*, user: User, pk: int) -> Invoice | None:
    return invoice_visible_to(user=user).prefetch_related("lines").filter(pk=pk).first()


def supplier_list(*, user: User) -> QuerySet[Supplier]:
    """Suppliers of the invoices the user sees, with how many."""
    visible = invoice_visible_to(user=user).values("pk")
    return (
        Supplier.objects.filter(invoices__in=visible)
        .annotate(invoice_count=Count("invoices", distinct=True))
        .order_by("name", "code")
    )

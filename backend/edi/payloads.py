"""The JSON of imports, their files and invoices, and seed 002's progress shape."""

from __future__ import annotations

from typing import Any

from edi.models import Import, ImportFile, Invoice, InvoiceLine
from task_manager.models import ExecutionStatus
from task_manager.payloads import execution_duration, iso

S = ExecutionStatus
TASK_TYPE = "edi_import"
# Seed 002's `status` words; its pages poll while "pending" or "in_progress".
SEED_STATUS = {
    S.PENDING: "pending", S.STARTED: "in_progress", S.PROGRESS: "in_progress",
    S.RETRY: "in_progress", S.SUCCESS: "completed", S.FAILURE: "failed", S.REVOKED: "cancelled",
}  # fmt: skip


def counts(batch: Import) -> dict[str, int]:
    """Files by outcome (annotated by edi.selectors.with_file_counts)."""
    names = ("files_imported", "files_duplicate", "files_failed", "files_pending",
             "invoices_created")  # fmt: skip
    return {name: int(getattr(batch, name, 0) or 0) for name in names}


def progress_data(batch: Import) -> dict[str, Any]:
    """GET /api/edi/imports/{job_id}/ in seed 002's shape.

    As in the seed, `processed_items` counts every file done, failed ones included, and
    `failed_items` those that failed (the execution counts them apart: processed + failed).
    """
    execution, total = batch.execution, batch.files_total
    data: dict[str, Any] = {"job_id": str(batch.job_id), "task_type": TASK_TYPE,
                            "total_items": total}  # fmt: skip
    if execution is None:  # retention deleted it, long after the import ended
        c = counts(batch)
        done, failed = total - c["files_pending"], c["files_failed"]
        data.update(
            status="completed" if not c["files_pending"] else "failed", current_message="",
            started_at=None, completed_at=None, duration=None,
        )  # fmt: skip
    else:
        done = execution.processed_items + execution.failed_items
        failed = execution.failed_items
        data.update(
            status=SEED_STATUS[S(execution.status)], current_message=execution.message,
            started_at=iso(execution.started_at), completed_at=iso(execution.finished_at),
            duration=execution_duration(execution),
        )  # fmt: skip
    data.update(processed_items=done, failed_items=failed,
                progress_percentage=100 * done // total if total else 0)  # fmt: skip
    return data


def import_data(batch: Import) -> dict[str, Any]:
    """An import in lists: its progress, who launched it, and its files by outcome."""
    execution = batch.execution
    return {
        **progress_data(batch),
        "id": batch.pk,
        "execution_id": batch.execution_id,
        "state": execution.status if execution is not None else None,
        "is_active": execution.is_active if execution is not None else False,
        "user": {"id": batch.user_id, "username": batch.user.get_username()},
        "created_at": iso(batch.created_at),
        "files_total": batch.files_total,
        **counts(batch),
    }


def import_detail_data(batch: Import, files: list[ImportFile]) -> dict[str, Any]:
    return {**import_data(batch), "files": [file_data(record) for record in files]}


def file_data(record: ImportFile) -> dict[str, Any]:
    original = record.duplicate_of
    return {
        "id": record.pk, "name": record.name, "size": record.size, "sha256": record.sha256,
        "status": record.status, "error": record.error or None,
        "segment_position": record.segment_position, "segment_tag": record.segment_tag or None,
        "note": record.note or None, "directory": record.directory or None,
        "invoices_created": record.invoices_created,
        "invoices_existing": record.invoices_existing, "execution_id": record.execution_id,
        "duplicate_of": None if original is None else {
            "id": original.pk, "name": original.name, "job_id": str(original.batch.job_id),
        },
        "processed_at": iso(record.processed_at),
    }  # fmt: skip


def invoice_data(invoice: Invoice) -> dict[str, Any]:
    supplier, source = invoice.supplier, invoice.source_file
    return {
        "id": invoice.pk, "number": invoice.number, "document_type": invoice.document_type,
        "supplier": {"id": supplier.pk, "code": supplier.code, "name": supplier.name},
        "buyer": {"code": invoice.buyer_code, "name": invoice.buyer_name},
        "issue_date": iso(invoice.issue_date), "due_date": iso(invoice.due_date),
        "delivery_date": iso(invoice.delivery_date), "currency": invoice.currency,
        "net_total": str(invoice.net_total), "tax_total": str(invoice.tax_total),
        "gross_total": str(invoice.gross_total), "directory": invoice.directory,
        "line_count": getattr(invoice, "line_count", None),
        "job_id": str(invoice.batch.job_id) if invoice.batch is not None else None,
        "source_file": None if source is None else {"id": source.pk, "name": source.name},
        "created_at": iso(invoice.created_at),
    }  # fmt: skip


def invoice_detail_data(invoice: Invoice) -> dict[str, Any]:
    lines = list(invoice.lines.all())
    return {**invoice_data(invoice), "line_count": len(lines),
            "lines": [line_data(line) for line in lines]}  # fmt: skip


def line_data(line: InvoiceLine) -> dict[str, Any]:
    return {
        "number": line.number, "item_code": line.item_code,
        "supplier_item_code": line.supplier_item_code, "description": line.description,
        "quantity": str(line.quantity), "unit": line.unit,
        "unit_price": str(line.unit_price) if line.unit_price is not None else None,
        "net_amount": str(line.net_amount),
        "tax_rate": str(line.tax_rate) if line.tax_rate is not None else None,
    }  # fmt: skip

"""A parsed file's invoices, stored each once per user: the same content twice is a
duplicate, and an invoice the user already has (supplier, number) is not stored again.

Only the file's owner's files and invoices are compared: another user's never make a file
a duplicate, and nothing of theirs (names, jobs, suppliers' details) shows in the result."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from edi.models import FileStatus, ImportFile, Invoice, InvoiceLine, Supplier
from edi.parsers import InvoiceDocument, ParsedFile, Party
from edi.parsers.values import money


def store_documents(record: ImportFile, parsed: ParsedFile) -> None:
    """The invoices of a file, each stored once; the same content twice is a duplicate."""
    documents = [d for d in parsed.documents if isinstance(d, InvoiceDocument)]
    record.directory = ", ".join(sorted({document.directory for document in documents}))[:16]
    if not _claim_content(record):
        _mark_duplicate_content(record)
        return
    created = existing = 0
    # One order for every file, so that two files inserting the same invoices never deadlock.
    for document in sorted(documents, key=lambda d: (d.supplier.code, d.number)):
        if _store_invoice(record, document):
            created += 1
        else:
            existing += 1
    record.invoices_created, record.invoices_existing = created, existing
    if created == 0:
        record.status = FileStatus.DUPLICATE
        record.note = f"All {existing} invoices were imported before"
    elif existing:
        record.note = f"{existing} of {created + existing} invoices were imported before"


def _claim_content(record: ImportFile) -> bool:
    """Mark the file imported; False if a file of its owner with the same content already is.

    The unique constraint on an owner's imported content decides, also between two workers:
    the second one waits for the first to commit, then fails here.
    """
    record.status = FileStatus.IMPORTED
    try:
        with transaction.atomic():
            record.save(update_fields=["status"])
    except IntegrityError:
        record.status = FileStatus.PENDING
        return False
    return True


def _mark_duplicate_content(record: ImportFile) -> None:
    original = (
        ImportFile.objects.filter(
            owner_id=record.owner_id, sha256=record.sha256, status=FileStatus.IMPORTED
        )
        .select_related("batch")
        .first()
    )
    record.status, record.duplicate_of = FileStatus.DUPLICATE, original
    if original is not None:
        record.note = f"Same content as {original.name} (import {original.batch.job_id})"[:500]


def _store_invoice(record: ImportFile, document: InvoiceDocument) -> bool:
    """Create the invoice and its lines; False if the owner has it (supplier, number)."""
    supplier = _supplier_for(record.owner_id, document.supplier)
    if Invoice.objects.filter(
        owner_id=record.owner_id, supplier=supplier, number=document.number
    ).exists():
        return False
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                owner_id=record.owner_id, supplier=supplier, source_file=record,
                batch_id=record.batch_id,
                **_invoice_fields(document),
            )  # fmt: skip
    except IntegrityError:
        return False  # stored by another file a moment ago
    InvoiceLine.objects.bulk_create(_invoice_lines(invoice, document))
    return True


def _supplier_for(owner_id: int, party: Party) -> Supplier:
    supplier, _ = Supplier.objects.get_or_create(
        owner_id=owner_id, code=party.code[:35],
        defaults={"name": party.name[:175], "vat_number": party.vat_number[:35],
                  "city": party.city[:35], "country": party.country[:3]},
    )  # fmt: skip
    return supplier


def _invoice_fields(document: InvoiceDocument) -> dict[str, Any]:
    return {
        "number": document.number, "document_type": document.document_type[:3],
        "issue_date": document.issue_date, "due_date": document.due_date,
        "delivery_date": document.delivery_date, "currency": document.currency,
        "net_total": document.net_total, "tax_total": document.tax_total,
        "gross_total": document.gross_total, "buyer_code": document.buyer.code[:35],
        "buyer_name": document.buyer.name[:175], "directory": document.directory[:16],
    }  # fmt: skip


def _invoice_lines(invoice: Invoice, document: InvoiceDocument) -> Iterable[InvoiceLine]:
    for line in document.lines:
        yield InvoiceLine(
            invoice=invoice, number=line.number, item_code=line.item_code[:35],
            supplier_item_code=line.supplier_item_code[:35], description=line.description[:512],
            quantity=line.quantity, unit=line.unit[:8], unit_price=line.unit_price,
            net_amount=money(line.amount), tax_rate=line.tax_rate,
        )  # fmt: skip

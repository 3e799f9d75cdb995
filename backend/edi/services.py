"""EDI imports: launch one (one at a time per scope), run it as one task per file, store
each file in one transaction, and end it with a summary.

The import's execution (task_manager) is the parent of one child execution per file
(tracking.fan_out). A file task parses outside any transaction, then in one transaction:
stores the invoices, sets the file's status, moves the parent's message, and finishes its
own execution, which counts it on the parent (processed, or failed) under the parent's row
lock. So a file's outcome and its count commit together, exactly once: a redelivered task
finds its execution finished (and is ignored) or its file still pending (and does it all).

The parent ends when its last child is counted, in that child's transaction, through
`import_outcome` (declared with @track_task(on_children_done=...)): SUCCESS, with the failed
files counted, "Import finished: 50 files, 5 failed". No task waits on another, and no
Celery chord is used: a chord's callback does not run when a member failed, and a member
re-queued by recovery after a worker died would no longer belong to its chord.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from celery import signature
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from edi.models import (
    FileStatus,
    Import,
    ImportFile,
    ImportLock,
    Invoice,
    InvoiceLine,
    Supplier,
)
from edi.parsers import EdiError, InvoiceDocument, ParsedFile, ParseOptions, Party, parse_file
from edi.parsers.interchange import too_large
from edi.parsers.values import money
from task_manager import tracking
from task_manager.models import ACTIVE_STATUSES, ExecutionStatus, TaskExecution
from task_manager.tracking import Change, ChildrenOutcome, ProgressReporter

logger = logging.getLogger(__name__)
S = ExecutionStatus
IMPORT_TASK = "edi.import_files"
FILE_TASK = "edi.import_file"


class ImportRunning(Exception):
    """A launch while an import of the same scope runs (HTTP 409)."""

    def __init__(self, running: Import) -> None:
        super().__init__(f"import {running.job_id} is running")
        self.running = running


class FileRejected(Exception):
    """A file that could not be imported: the file task's expected failure."""


# --- launching ------------------------------------------------------------------------------


def upload_problems(files: Sequence[File]) -> list[str]:
    """What is wrong with an upload, one message per bad file; [] when it may be imported."""
    limit = settings.TASKPULSE_EDI_MAX_FILES
    if not files:
        return ["Send at least one file in the `files` field."]
    problems = [] if len(files) <= limit else [f"Too many files: {len(files)}; at most {limit}."]
    return problems + [problem for file in files for problem in file_problems(file)]


def file_problems(file: File) -> list[str]:
    name, max_bytes = display_name(file.name), settings.TASKPULSE_EDI_MAX_FILE_BYTES
    allowed = [extension.lower().lstrip(".") for extension in settings.TASKPULSE_EDI_EXTENSIONS]
    problems = []
    if os.path.splitext(name)[1].lower().lstrip(".") not in allowed:
        listed = ", ".join(f".{extension}" for extension in allowed)
        problems.append(f"{name}: wrong type; expected an EDIFACT file ({listed})")
    if file.size is not None and file.size > max_bytes:
        problems.append(f"{name}: too large ({file.size:,} bytes; at most {max_bytes:,})")
    return problems


def display_name(name: str | None) -> str:
    return os.path.basename((name or "").replace("\\", "/")) or "unnamed"


def import_create(*, user: User, files: Sequence[File]) -> Import:
    """Store the files and launch their import, unless one of the same scope is running.

    The check and the creation happen under the scope's lock row, so two launches at once
    cannot both pass; the files are removed again if the launch does not happen.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            running = import_running(user=user, lock=True)
            if running is not None:
                raise ImportRunning(running)
            batch = Import.objects.create(user=user, files_total=len(files))
            records = [store_file(batch, n, file, stored) for n, file in enumerate(files, 1)]
            ImportFile.objects.bulk_create(records)
            batch.execution = tracking.execution_launch(
                task=IMPORT_TASK, user=user, kwargs={"import_id": batch.pk},
                title=f"EDI import of {len(files)} files", options=queue_options(),
            )  # fmt: skip
            batch.save(update_fields=["execution"])
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return batch


def lock_scope(user: User) -> str:
    return "global" if settings.TASKPULSE_EDI_LOCK_SCOPE == "global" else f"user:{user.pk}"


def import_running(*, user: User, lock: bool = False) -> Import | None:
    """The running import that blocks a launch by `user` (with `lock`, inside a transaction,
    holding the scope's lock row until it commits)."""
    scope = lock_scope(user)
    if lock:
        ImportLock.objects.get_or_create(scope=scope)
        ImportLock.objects.select_for_update().get(scope=scope)
    running = Import.objects.filter(execution__status__in=ACTIVE_STATUSES)
    if scope != "global":
        running = running.filter(user=user)
    return running.select_related("execution").order_by("-created_at").first()


def store_file(batch: Import, index: int, file: File, stored: list[str]) -> ImportFile:
    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    name = default_storage.save(f"edi/{batch.job_id}/{index:04d}-{storage_name(file.name)}", file)
    stored.append(name)
    return ImportFile(batch=batch, name=display_name(file.name)[:255], stored_name=name,
                      size=size, sha256=digest.hexdigest())  # fmt: skip


def storage_name(name: str | None) -> str:
    try:
        return get_valid_filename(display_name(name))[-100:]
    except SuspiciousFileOperation:
        return "file.edi"


def queue_options() -> dict[str, Any] | None:
    queue = settings.TASKPULSE_EDI_QUEUE
    return {"queue": queue} if queue else None


# --- the import task: one child task per file ------------------------------------------------


def import_run(*, import_id: int, progress: ProgressReporter) -> dict[str, int]:
    """The parent's whole work: launch one file task per file, then return."""
    batch = Import.objects.get(pk=import_id)
    if TaskExecution.objects.filter(parent_id=progress.execution_id).exists():
        return {"files": batch.files_total}  # a redelivered message: the files are under way
    file_ids = list(batch.files.order_by("pk").values_list("pk", flat=True))
    progress.message(f"Importing {len(file_ids)} files")
    progress.flush()
    progress.fan_out(signature(FILE_TASK, args=(pk,), immutable=True) for pk in file_ids)
    return {"files": len(file_ids)}


def import_outcome(parent: TaskExecution) -> ChildrenOutcome:
    """How an import ends after its last file: a bad file is an outcome, not a failure."""
    files, failed = parent.total_items, parent.failed_items
    if parent.cancel_requested_at is not None:
        done = parent.processed_items
        return ChildrenOutcome(S.REVOKED, f"Import cancelled: {done} of {files} files imported")
    return ChildrenOutcome(S.SUCCESS, f"Import finished: {files} files, {failed} failed")


# --- one file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What reading a file gave: its documents, or why it cannot be imported."""

    parsed: ParsedFile | None = None
    error: EdiError | None = None
    cancelled: bool = False


def import_file_run(*, file_id: int, execution_id: int) -> dict[str, Any]:
    """A file task's whole work; raises FileRejected (after committing) for a bad file."""
    record = ImportFile.objects.select_related("batch").get(pk=file_id)
    if record.is_done:
        return file_result(record)
    outcome = read_file(record)
    try:
        record, committed = commit_outcome(file_id, execution_id, outcome)
    except (IntegrityError, DataError) as exc:  # what the parser let through, the tables refuse
        logger.exception("edi: file %s could not be stored", file_id)
        unstored = Outcome(error=EdiError(f"Not stored: {exc}"))
        record, committed = commit_outcome(file_id, execution_id, unstored)
    if committed and record.status == FileStatus.FAILED:
        raise FileRejected(record.error)  # the execution already says so; Celery too, now
    return file_result(record)


def read_file(record: ImportFile) -> Outcome:
    """Read and parse, outside any transaction (no lock is held while parsing)."""
    if parent_cancelled(record.batch):
        return Outcome(cancelled=True)
    max_bytes = settings.TASKPULSE_EDI_MAX_FILE_BYTES
    if record.size > max_bytes:
        return Outcome(error=too_large(record.size, max_bytes))
    try:
        with default_storage.open(record.stored_name, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError:
        return Outcome(error=EdiError("Missing file: the stored copy cannot be read"))
    if hashlib.sha256(data).hexdigest() != record.sha256:
        return Outcome(error=EdiError("Changed file: the stored copy differs from the upload"))
    options = ParseOptions(default_currency=settings.TASKPULSE_EDI_DEFAULT_CURRENCY)
    try:
        return Outcome(parsed=parse_file(data, max_bytes=max_bytes, options=options))
    except EdiError as exc:
        return Outcome(error=exc)
    except Exception as exc:  # a parser bug must fail the file, not leave it pending
        logger.exception("edi: unexpected error reading file %s", record.pk)
        return Outcome(error=EdiError(f"Unreadable: {type(exc).__name__}: {exc}"))


def parent_cancelled(batch: Import) -> bool:
    if batch.execution_id is None:
        return False
    return TaskExecution.objects.filter(
        pk=batch.execution_id, cancel_requested_at__isnull=False
    ).exists()


def commit_outcome(file_id: int, execution_id: int, outcome: Outcome) -> tuple[ImportFile, bool]:
    """Store the file's result and count it on the import, in one transaction; False when
    another run of the task already did.

    Locks in a fixed order, the file's execution then the parent's (as the core does when a
    child finishes), so that concurrent files never deadlock.
    """
    with transaction.atomic():
        child = tracking.execution_lock(execution_id)
        record = (
            ImportFile.objects.select_for_update(of=("self",))
            .select_related("batch")
            .get(pk=file_id)
        )
        if record.is_done or child.is_finished:
            return record, False
        record.execution_id = execution_id
        record.processed_at = timezone.now()
        store_outcome(record, outcome)
        record.save()
        report(record, child, cancelled=outcome.cancelled)
    return record, True


def store_outcome(record: ImportFile, outcome: Outcome) -> None:
    if outcome.cancelled:
        record.status, record.error = FileStatus.FAILED, "Cancelled before this file was read"
    elif outcome.error is not None:
        record.status, record.error = FileStatus.FAILED, str(outcome.error)
        record.segment_position = outcome.error.position
        record.segment_tag = outcome.error.tag
    elif outcome.parsed is not None:
        store_documents(record, outcome.parsed)


def store_documents(record: ImportFile, parsed: ParsedFile) -> None:
    """The invoices of a file, each stored once; the same content twice is a duplicate."""
    documents = [d for d in parsed.documents if isinstance(d, InvoiceDocument)]
    record.directory = ", ".join(sorted({document.directory for document in documents}))[:16]
    if not claim_content(record):
        mark_duplicate_content(record)
        return
    created = existing = 0
    # One order for every file, so that two files inserting the same invoices never deadlock.
    for document in sorted(documents, key=lambda d: (d.supplier.code, d.number)):
        if store_invoice(record, document):
            created += 1
        else:
            existing += 1
    record.invoices_created, record.invoices_existing = created, existing
    if created == 0:
        record.status = FileStatus.DUPLICATE
        record.note = f"All {existing} invoices were imported before"
    elif existing:
        record.note = f"{existing} of {created + existing} invoices were imported before"


def claim_content(record: ImportFile) -> bool:
    """Mark the file imported; False if a file with the same content already is.

    The unique constraint on imported content decides, also between two workers at once:
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


def mark_duplicate_content(record: ImportFile) -> None:
    original = (
        ImportFile.objects.filter(sha256=record.sha256, status=FileStatus.IMPORTED)
        .select_related("batch")
        .first()
    )
    record.status, record.duplicate_of = FileStatus.DUPLICATE, original
    if original is not None:
        record.note = f"Same content as {original.name} (import {original.batch.job_id})"[:500]


def store_invoice(record: ImportFile, document: InvoiceDocument) -> bool:
    """Create the invoice and its lines; False if its supplier already has that number."""
    supplier = supplier_for(document.supplier)
    if Invoice.objects.filter(supplier=supplier, number=document.number).exists():
        return False
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                supplier=supplier, source_file=record, batch_id=record.batch_id,
                **invoice_fields(document),
            )  # fmt: skip
    except IntegrityError:
        return False  # stored by another file a moment ago
    InvoiceLine.objects.bulk_create(invoice_lines(invoice, document))
    return True


def supplier_for(party: Party) -> Supplier:
    supplier, _ = Supplier.objects.get_or_create(
        code=party.code[:35],
        defaults={"name": party.name[:175], "vat_number": party.vat_number[:35],
                  "city": party.city[:35], "country": party.country[:3]},
    )  # fmt: skip
    return supplier


def invoice_fields(document: InvoiceDocument) -> dict[str, Any]:
    return {
        "number": document.number, "document_type": document.document_type[:3],
        "issue_date": document.issue_date, "due_date": document.due_date,
        "delivery_date": document.delivery_date, "currency": document.currency,
        "net_total": document.net_total, "tax_total": document.tax_total,
        "gross_total": document.gross_total, "buyer_code": document.buyer.code[:35],
        "buyer_name": document.buyer.name[:175], "directory": document.directory[:16],
    }  # fmt: skip


def invoice_lines(invoice: Invoice, document: InvoiceDocument) -> Iterable[InvoiceLine]:
    for line in document.lines:
        yield InvoiceLine(
            invoice=invoice, number=line.number, item_code=line.item_code[:35],
            supplier_item_code=line.supplier_item_code[:35], description=line.description[:512],
            quantity=line.quantity, unit=line.unit[:8], unit_price=line.unit_price,
            net_amount=money(line.amount), tax_rate=line.tax_rate,
        )  # fmt: skip


def report(record: ImportFile, child: TaskExecution, *, cancelled: bool) -> None:
    """The file's line on the import's gauge, then its own end (which counts it there)."""
    summary = file_summary(record)
    child.title = f"Import {record.name}"[:255]
    child.save(update_fields=["title"])
    if record.batch.execution_id is not None:
        tracking.execution_apply(
            record.batch.execution_id, Change(message=f"{record.name}: {summary}")
        )
    status = S.SUCCESS if record.status != FileStatus.FAILED else S.FAILURE
    tracking.execution_finish(
        child.task_id, S.REVOKED if cancelled else status, result=file_result(record),
        error=record.error, message=summary,
    )  # fmt: skip


def files_sync_from_execution(*, execution: TaskExecution) -> int:
    """Files still pending when their execution ended without them: failed, saying why.

    A file task ended by recovery (its worker lost, no re-queue left), or an import ended
    before it launched its files (cancelled while queued, timed out), leaves files that no
    task will read; they are marked failed with the execution's reason.
    """
    reason = execution.error or execution.message or execution.status
    pending = ImportFile.objects.filter(status=FileStatus.PENDING)
    fields: dict[str, Any] = {"status": FileStatus.FAILED, "processed_at": timezone.now(),
                              "error": f"Not imported: {reason}"[:10_000]}  # fmt: skip
    if execution.task_name == FILE_TASK and execution.args:
        pending, fields["execution"] = pending.filter(pk=execution.args[0]), execution
    elif execution.task_name == IMPORT_TASK and not execution.waits_for_children:
        pending = pending.filter(batch__execution=execution)
    else:
        return 0
    return pending.update(**fields)


def file_summary(record: ImportFile) -> str:
    if record.status == FileStatus.FAILED:
        return f"failed: {record.error}"
    if record.status == FileStatus.DUPLICATE:
        return f"duplicate: {record.note}"
    count = record.invoices_created
    summary = f"{count} invoice{'s' if count != 1 else ''} imported"
    return f"{summary} ({record.note})" if record.note else summary


def file_result(record: ImportFile) -> dict[str, Any]:
    return {
        "file_id": record.pk, "name": record.name, "status": record.status,
        "invoices_created": record.invoices_created, "error": record.error or None,
    }  # fmt: skip

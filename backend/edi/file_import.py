"""One file task: read and parse the file outside any transaction, then, in one
transaction, store its invoices, set its status, move the import's message and finish the
file's own execution, which counts it on the import (see edi.services for the design)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from edi import uploads
from edi.invoices import store_documents
from edi.models import FileStatus, Import, ImportFile
from edi.parsers import EdiError, ParsedFile, ParseOptions, parse_file
from edi.parsers.interchange import too_large
from task_manager import tracking
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.tracking import Change

logger = logging.getLogger(__name__)
S = ExecutionStatus


class FileRejected(Exception):
    """A file that could not be imported: the file task's expected failure."""


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
        record, committed = _commit_outcome(file_id, execution_id, outcome)
    except (IntegrityError, DataError) as exc:  # what the parser let through, the tables refuse
        logger.exception("edi: file %s could not be stored", file_id)
        unstored = Outcome(error=EdiError(f"Not stored: {exc}"))
        record, committed = _commit_outcome(file_id, execution_id, unstored)
    if committed and record.status == FileStatus.FAILED:
        raise FileRejected(record.error)  # the execution already says so; Celery too, now
    return file_result(record)


def read_file(record: ImportFile) -> Outcome:
    """Read and parse, outside any transaction (no lock is held while parsing)."""
    if _parent_cancelled(record.batch):
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


def _parent_cancelled(batch: Import) -> bool:
    if batch.execution_id is None:
        return False
    return TaskExecution.objects.filter(
        pk=batch.execution_id, cancel_requested_at__isnull=False
    ).exists()


def _commit_outcome(file_id: int, execution_id: int, outcome: Outcome) -> tuple[ImportFile, bool]:
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
        _store_outcome(record, outcome)
        record.save()
        report(record, child, cancelled=outcome.cancelled)
        transaction.on_commit(lambda: uploads.stored_discard([record]))  # no task reads it again
    return record, True


def _store_outcome(record: ImportFile, outcome: Outcome) -> None:
    if outcome.cancelled:
        record.status, record.error = FileStatus.FAILED, "Cancelled before this file was read"
    elif outcome.error is not None:
        record.status, record.error = FileStatus.FAILED, str(outcome.error)
        record.segment_position = outcome.error.position
        record.segment_tag = outcome.error.tag
    elif outcome.parsed is not None:
        store_documents(record, outcome.parsed)


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

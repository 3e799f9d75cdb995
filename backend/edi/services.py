"""EDI imports: launch one (one at a time per scope), run it as one task per file, store
each file in one transaction, and end it with a summary. This module launches imports and
runs the import task; edi.file_import is the file task, edi.invoices stores invoices.

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
from collections.abc import Sequence
from typing import Any

from celery import signature
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from edi import uploads
from edi.models import (
    FileStatus,
    Import,
    ImportFile,
    ImportLock,
)
from task_manager import tracking
from task_manager.models import ACTIVE_STATUSES, ExecutionStatus, TaskExecution
from task_manager.tracking import ChildrenOutcome, ProgressReporter

logger = logging.getLogger(__name__)
S = ExecutionStatus
IMPORT_TASK = "edi.import_files"
FILE_TASK = "edi.import_file"
IMPORT_STEPS = ["Launch the file tasks", "Import the files"]


class ImportRunning(Exception):
    """A launch while an import of the same scope runs (HTTP 409)."""

    def __init__(self, running: Import) -> None:
        super().__init__(f"import {running.job_id} is running")
        self.running = running


# --- launching ------------------------------------------------------------------------------


def upload_problems(files: Sequence[File]) -> list[str]:
    """What is wrong with an upload, one message per bad file; [] when it may be imported."""
    limit = settings.TASKPULSE_EDI_MAX_FILES
    if not files:
        return ["Send at least one file in the `files` field."]
    problems = [] if len(files) <= limit else [f"Too many files: {len(files)}; at most {limit}."]
    return problems + [problem for file in files for problem in _file_problems(file)]


def _file_problems(file: File) -> list[str]:
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
    cannot both pass; the files are removed again if the launch does not happen, and only
    then: once the rows are committed, the import needs them, whatever happens next.
    """
    stored: list[str] = []
    committed: list[bool] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(True))  # runs before the send
            running = import_running(user=user, lock=True)
            if running is not None:
                raise ImportRunning(running)
            uploads.quota_check(user_id=user.pk, incoming=uploads.upload_bytes(files))
            batch = Import.objects.create(user=user, files_total=len(files))
            records = [_store_file(batch, n, file, stored) for n, file in enumerate(files, 1)]
            ImportFile.objects.bulk_create(records)
            batch.execution = tracking.execution_launch(
                task=IMPORT_TASK, user=user, kwargs={"import_id": batch.pk},
                title=f"EDI import of {len(files)} files", options=_queue_options(),
            )  # fmt: skip
            batch.save(update_fields=["execution"])
    except BaseException:
        if not committed:
            for name in stored:
                default_storage.delete(name)
        raise
    return batch


def _lock_scope(user: User) -> str:
    return "global" if settings.TASKPULSE_EDI_LOCK_SCOPE == "global" else f"user:{user.pk}"


def import_running(*, user: User, lock: bool = False) -> Import | None:
    """The running import that blocks a launch by `user` (with `lock`, inside a transaction,
    holding the scope's lock row until it commits)."""
    scope = _lock_scope(user)
    if lock:
        ImportLock.objects.get_or_create(scope=scope)
        ImportLock.objects.select_for_update().get(scope=scope)
    running = Import.objects.filter(execution__status__in=ACTIVE_STATUSES)
    if scope != "global":
        running = running.filter(user=user)
    return running.select_related("execution").order_by("-created_at").first()


def _store_file(batch: Import, index: int, file: File, stored: list[str]) -> ImportFile:
    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    name = default_storage.save(f"edi/{batch.job_id}/{index:04d}-{_storage_name(file.name)}", file)
    stored.append(name)
    return ImportFile(batch=batch, owner_id=batch.user_id, name=display_name(file.name)[:255],
                      stored_name=name, size=size, sha256=digest.hexdigest())  # fmt: skip


def _storage_name(name: str | None) -> str:
    try:
        return get_valid_filename(display_name(name))[-100:]
    except SuspiciousFileOperation:
        return "file.edi"


def _queue_options() -> dict[str, Any] | None:
    queue = settings.TASKPULSE_EDI_QUEUE
    return {"queue": queue} if queue else None


# --- the import task: one child task per file ------------------------------------------------


def import_run(*, import_id: int, progress: ProgressReporter) -> dict[str, int]:
    """The parent's whole work: launch one file task per file, then return."""
    batch = Import.objects.get(pk=import_id)
    if TaskExecution.objects.filter(parent_id=progress.execution_id).exists():
        return {"files": batch.files_total}  # a redelivered message: the files are under way
    file_ids = list(batch.files.order_by("pk").values_list("pk", flat=True))
    progress.step(1, len(IMPORT_STEPS), f"Importing {len(file_ids)} files")
    progress.flush()
    progress.fan_out(signature(FILE_TASK, args=(pk,), immutable=True) for pk in file_ids)
    progress.step(2, len(IMPORT_STEPS))  # the files count the progress from here
    return {"files": len(file_ids)}


def import_outcome(parent: TaskExecution) -> ChildrenOutcome:
    """How an import ends after its last file: a bad file is an outcome, not a failure."""
    files, failed = parent.total_items, parent.failed_items
    if parent.cancel_requested_at is not None:
        done = parent.processed_items
        return ChildrenOutcome(S.REVOKED, f"Import cancelled: {done} of {files} files imported")
    return ChildrenOutcome(S.SUCCESS, f"Import finished: {files} files, {failed} failed")


# An import is not re-run from its execution: its uploaded files are deleted once read
# (edi.uploads). Its executions carry `can_retry: false`; a retry answers 409 with this.
RETRY_REFUSAL = (
    "An EDI import is not re-run from its execution: its uploaded files are deleted "
    "once read. Upload the files again."
)


# --- files no task will read -----------------------------------------------------------------


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
    unread = list(pending.only("pk", "stored_name"))
    transaction.on_commit(lambda: uploads.stored_discard(unread))
    return pending.update(**fields)

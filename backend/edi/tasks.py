"""The import's tasks: thin shells around edi.services and edi.file_import (the design is
in edi.services' docstring)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from edi import file_import, services, uploads
from task_manager.models import WorkerLostPolicy
from task_manager.tracking import ProgressReporter, track_task

# A database that is busy or drops a connection (OperationalError) is worth another try:
# both tasks are safe to run again.
RETRY_ON = (OperationalError,)


@shared_task(bind=True, name=services.IMPORT_TASK, autoretry_for=RETRY_ON, retry_backoff=1,
             max_retries=3)  # fmt: skip
@track_task(
    services.IMPORT_TASK, module="edi", title="EDI import",
    on_children_done=services.import_outcome, on_worker_lost=WorkerLostPolicy.REQUEUE,
    steps=services.IMPORT_STEPS,
)  # fmt: skip
def import_files(self: Any, import_id: int, *, progress: ProgressReporter) -> dict[str, int]:
    """Launch one file task per file of the import; the last one to finish ends it."""
    return services.import_run(import_id=import_id, progress=progress)


@shared_task(bind=True, name=services.FILE_TASK, throws=(file_import.FileRejected,),
             autoretry_for=RETRY_ON, retry_backoff=1, max_retries=3)  # fmt: skip
@track_task(
    services.FILE_TASK, module="edi", title="Import an EDI file",
    on_worker_lost=WorkerLostPolicy.REQUEUE,
)  # fmt: skip
def import_file(self: Any, file_id: int, *, progress: ProgressReporter) -> dict[str, Any]:
    """Parse one file and store its invoices; safe to run again (a re-queue after a crash)."""
    return file_import.import_file_run(file_id=file_id, execution_id=progress.execution_id)


@shared_task(name="edi.purge_old_uploads", ignore_result=True)
def purge_old_uploads() -> int:
    """Retention (beat, hourly): stored uploads no task will read."""
    return uploads.uploads_purge()

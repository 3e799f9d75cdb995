"""Stored uploads: kept only while a task may still read them, and bounded per user.

An uploaded file is stored (default_storage, `edi/<job_id>/`) only so that its file task
can read it. Nothing reads it once its outcome is committed (a redelivered task finds the
file done; the API shows the outcome, never the bytes), so the copy is deleted right
after that commit, and `stored_name` is emptied: a file with a `stored_name` still has
its bytes on disk. What a crash or a cancel leaves behind, retention deletes
(`uploads_purge`, hourly from beat): the copies of finished files, and of any file older
than TASKPULSE_EDI_UPLOAD_RETENTION_HOURS.

Limits: an upload's files total at most TASKPULSE_EDI_MAX_UPLOAD_BYTES, and a user's stored
copies at most TASKPULSE_EDI_USER_QUOTA_BYTES (413 either way, nothing stored).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Q, Sum
from django.utils import timezone

from edi.models import FileStatus, ImportFile

logger = logging.getLogger(__name__)


class UploadTooLarge(Exception):
    """An upload beyond the per-request size or the user's quota (HTTP 413)."""


def upload_bytes(files: Sequence[File]) -> int:
    return sum(file.size or 0 for file in files)


def request_size_problem(total: int) -> str | None:
    limit = settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES
    if total <= limit:
        return None
    return f"Too large an upload: {total:,} bytes in all; at most {limit:,} per request."


def stored_bytes(*, user_id: int) -> int:
    """What the user's stored copies take now."""
    stored = ImportFile.objects.filter(owner_id=user_id).exclude(stored_name="")
    return int(stored.aggregate(total=Sum("size"))["total"] or 0)


def quota_check(*, user_id: int, incoming: int) -> None:
    """Raise UploadTooLarge when `incoming` more bytes would pass the user's quota."""
    quota, used = settings.TASKPULSE_EDI_USER_QUOTA_BYTES, stored_bytes(user_id=user_id)
    if used + incoming > quota:
        raise UploadTooLarge(
            f"Over your storage quota: {used:,} bytes of files waiting to be imported plus "
            f"{incoming:,} would pass {quota:,}; wait for your imports to finish."
        )


def stored_discard(files: Iterable[ImportFile]) -> int:
    """Delete the stored copies of these files and forget their names; how many."""
    discarded = 0
    for record in files:
        name = record.stored_name
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("edi: cannot delete stored upload %s", name, exc_info=True)
            continue
        ImportFile.objects.filter(pk=record.pk, stored_name=name).update(stored_name="")
        _remove_empty_folder(os.path.dirname(name))
        discarded += 1
    return discarded


def _remove_empty_folder(folder: str) -> None:
    # Not empty yet, gone already, or a storage without folders: nothing to do.
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def uploads_purge(now: datetime | None = None) -> int:
    """Retention: the copies no task will read (finished files), and any older than
    TASKPULSE_EDI_UPLOAD_RETENTION_HOURS."""
    hours = settings.TASKPULSE_EDI_UPLOAD_RETENTION_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    leftovers = ImportFile.objects.exclude(stored_name="").filter(
        ~Q(status=FileStatus.PENDING) | Q(batch__created_at__lt=cutoff)
    )
    return stored_discard(leftovers.only("pk", "stored_name").iterator())

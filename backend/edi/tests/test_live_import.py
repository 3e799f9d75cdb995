"""End to end on two real worker processes, on PostgreSQL when DATABASE_URL names it:
50 files of which 5 bad give exact counts, the same batch again only duplicates, a second
launch meanwhile a 409, and a worker killed with SIGKILL mid-import changes no count."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count, QuerySet
from rest_framework.test import APIClient

from edi import services, testdata
from edi.models import FileStatus, Import, ImportFile, Invoice
from edi.tests.conftest import uploads
from task_manager import recovery
from task_manager.models import TaskExecution
from testing.live import LiveWorker, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
LIMIT = 64 * 1024  # the workers' file size limit: the generated oversize file passes it


@pytest.fixture(autouse=True)
def media(settings) -> Iterator[Path]:
    """The workers store nothing, but read what this process stored: the default MEDIA_ROOT
    for both, with this test's imports removed afterwards."""
    root = Path(django_settings.MEDIA_ROOT)
    yield root
    for job_id in Import.objects.values_list("job_id", flat=True):
        shutil.rmtree(root / "edi" / str(job_id), ignore_errors=True)


def start_workers(
    tmp_path: Path, prefix: str, queue: str, *, progress_interval_ms: int = 100
) -> list[LiveWorker]:
    return [
        LiveWorker(
            tmp_path / f"{prefix}{n}.log",
            name=f"{prefix}{n}",
            concurrency=2,
            queues=queue,
            TASKPULSE_EDI_MAX_FILE_BYTES=str(LIMIT),
            TASKPULSE_PROGRESS_INTERVAL_MS=str(progress_interval_ms),
        )
        for n in (1, 2)
    ]


def parent_of(batch: Import) -> TaskExecution:
    assert batch.execution_id is not None
    return TaskExecution.objects.get(pk=batch.execution_id)


def finished(batch: Import) -> bool:
    return not parent_of(batch).is_active


def report(batch: Import, what: str) -> None:
    parent = parent_of(batch)
    assert parent.started_at is not None
    assert parent.finished_at is not None
    seconds = (parent.finished_at - parent.started_at).total_seconds()
    print(
        f"\nedi e2e [{connection.vendor}] {what}: {parent.total_items} files on 2 workers in "
        f"{seconds:.2f} s ({parent.total_items / seconds:.1f} files/s)"
    )


def assert_exact(batch: Import, files: list[testdata.EdiFile]) -> None:
    """50 files, 45 processed and 5 failed, each bad file with its reason."""
    parent = parent_of(batch)
    assert (parent.status, parent.message, parent.progress) == (
        "SUCCESS", "Import finished: 50 files, 5 failed", 100,
    )  # fmt: skip
    assert (parent.total_items, parent.processed_items, parent.failed_items) == (50, 45, 5)
    for file, record in zip(files, batch.files.order_by("pk"), strict=True):
        assert record.status == (FileStatus.FAILED if file.defect else record.status)
        assert record.error.startswith(file.reason) if file.defect else not record.error
    children = TaskExecution.objects.filter(parent=parent)
    assert children.count() == 50
    assert sorted(children.values_list("status", flat=True)) == ["FAILURE"] * 5 + ["SUCCESS"] * 45


def stored_copies() -> QuerySet[ImportFile]:
    return ImportFile.objects.exclude(stored_name="")


def assert_stored_once(files: list[testdata.EdiFile]) -> None:
    numbers = [number for file in files for number in file.numbers]
    assert Invoice.objects.count() == len(numbers) == sum(file.invoices for file in files)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == sorted(numbers)
    twice = Invoice.objects.values("supplier", "number").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists()


def test_fifty_files_on_two_workers_give_exact_counts_then_only_duplicates(
    tmp_path: Path, user: User, settings, media: Path
) -> None:
    settings.TASKPULSE_EDI_QUEUE = "edi-e2e"
    files = testdata.generate_batch(50, 5, seed=50, max_bytes=LIMIT)
    assert [f.defect for f in files if f.defect] == [
        "empty", "binary", "truncated", "wrong_charset", "oversize",
    ]  # fmt: skip
    api = APIClient()
    api.force_authenticate(user)
    workers = start_workers(tmp_path, "edi", "edi-e2e")
    try:
        first = services.import_create(user=user, files=uploads(files))
        another = SimpleUploadedFile("late.edi", files[0].content)
        refused = api.post("/api/edi/imports/", {"files": [another]}, format="multipart")
        wait_until(lambda: finished(first), timeout=180, interval=0.2, what="the first import")
        second = services.import_create(user=user, files=uploads(files))
        wait_until(lambda: finished(second), timeout=180, interval=0.2, what="the second import")
        # The workers delete every stored copy once its file is done (no retention needed),
        # just after the commit that ends the file and maybe the import: wait for the last.
        wait_until(lambda: not stored_copies().exists(), timeout=30, interval=0.05,
                   what="the workers to delete the stored copies")  # fmt: skip
    finally:
        for worker in workers:
            worker.stop()

    assert refused.status_code == 409
    assert refused.json()["job_id"] == str(first.job_id)
    assert_exact(first, files)
    children = TaskExecution.objects.filter(parent_id=first.execution_id)
    assert set(children.values_list("worker", flat=True)) == {worker.name for worker in workers}
    assert_stored_once(files)
    progress = api.get(f"/api/edi/imports/{first.job_id}/").json()
    seed_fields = ("status", "total_items", "processed_items", "failed_items",
                   "progress_percentage")  # fmt: skip
    assert [progress[name] for name in seed_fields] == ["completed", 50, 50, 5, 100]
    assert_exact(second, files)
    assert dict(second.files.values_list("status").annotate(n=Count("id"))) == {
        "duplicate": 45, "failed": 5,
    }  # fmt: skip
    assert sum(second.files.values_list("invoices_created", flat=True)) == 0
    assert_stored_once(files)  # not one invoice more
    # The workers deleted every stored copy (waited for above) and their folders.
    for batch in (first, second):
        assert not (media / "edi" / str(batch.job_id)).exists()
    report(first, "first import")
    report(second, "same batch again")


def test_a_worker_killed_mid_import_still_ends_with_exact_counts(
    tmp_path: Path, user: User, settings
) -> None:
    settings.TASKPULSE_EDI_QUEUE = "edi-kill"
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    settings.TASKPULSE_PENDING_REQUEUE_AFTER = 0
    files = testdata.generate_batch(50, 5, seed=51, max_bytes=LIMIT)
    # Starts written at once (no coalescing), so that a running file shows on its worker.
    doomed, survivor = start_workers(tmp_path, "kill", "edi-kill", progress_interval_ms=0)
    try:
        batch = services.import_create(user=user, files=uploads(files))
        victims = wait_until(lambda: working_on(doomed, batch), timeout=60, interval=0.01,
                             what="the doomed worker to work on a file")  # fmt: skip
        doomed.kill_hard()
        wait_until(lambda: recovered(batch), timeout=180, interval=0.2, what="the import to end")
    finally:
        survivor.stop()

    assert_exact(batch, files)
    assert_stored_once(files)
    children = TaskExecution.objects.filter(parent_id=batch.execution_id)
    requeued = children.filter(requeue_count__gt=0)
    assert requeued.exists(), f"nothing was in flight on the killed worker ({victims})"
    assert set(requeued.values_list("worker", flat=True)) == {survivor.name}


def working_on(worker: LiveWorker, batch: Import) -> list[int]:
    """Files of the batch running on the worker."""
    running = TaskExecution.objects.filter(parent_id=batch.execution_id, worker=worker.name,
                                           status__in=("STARTED", "PROGRESS"))  # fmt: skip
    return list(running.values_list("pk", flat=True))


def recovered(batch: Import) -> bool:
    """What beat does every minute, here as often as the test needs."""
    if finished(batch):
        return True
    recovery.recover()
    time.sleep(0.2)
    return finished(batch)

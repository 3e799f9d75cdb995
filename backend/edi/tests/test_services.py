"""Imports run in this process (fan-outs eager): counts, duplicates, redelivery, the lock
and its lease, cancel, and the files kept or removed."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from edi import file_import, services, testdata
from edi.models import FileStatus, Import, ImportFile, Invoice, InvoiceLine
from edi.tasks import import_file, import_files
from edi.tests.conftest import import_now, uploads
from task_manager import launching, lifecycle, recovery, tracking
from task_manager.models import TaskExecution, TaskNotification
from task_manager.tracking import ProgressReporter
from testing.brokers import FakeBroker

LIMIT = 64 * 1024
REQUIRED = ("empty", "binary", "truncated", "wrong_charset", "oversize")


@pytest.fixture(autouse=True)
def small_files(settings) -> None:
    settings.TASKPULSE_EDI_MAX_FILE_BYTES = LIMIT


def batch_of(count: int, invalid: int, seed: int) -> list[testdata.EdiFile]:
    return testdata.generate_batch(count, invalid, seed=seed, max_bytes=LIMIT)


def statuses(batch: Import) -> dict[str, int]:
    rows = batch.files.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def refreshed(execution: TaskExecution | None) -> TaskExecution:
    assert execution is not None
    execution.refresh_from_db()
    return execution


# --- a whole import --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_stores_every_good_file_and_counts_bad_ones_as_failed(
    user: User, inline: list[int]
) -> None:
    files = batch_of(20, 5, seed=21)

    batch = import_now(user, files)

    parent = refreshed(batch.execution)
    assert (parent.status, parent.message, parent.progress) == (
        "SUCCESS", "Import finished: 20 files, 5 failed", 100,
    )  # fmt: skip
    assert (parent.total_items, parent.processed_items, parent.failed_items) == (20, 15, 5)
    assert statuses(batch) == {"imported": 15, "failed": 5}
    for file, record in zip(files, batch.files.order_by("pk"), strict=True):
        assert record.name == file.name
        assert record.error.startswith(file.reason) if file.defect else not record.error
        assert record.invoices_created == file.invoices
    assert [f.defect for f in files if f.defect] == list(REQUIRED)
    assert Invoice.objects.count() == sum(file.invoices for file in files)
    assert set(Invoice.objects.values_list("number", flat=True)) == {
        number for file in files for number in file.numbers
    }
    assert InvoiceLine.objects.count() > Invoice.objects.count()
    children = TaskExecution.objects.filter(parent=parent)
    assert sorted(children.values_list("status", flat=True)) == ["FAILURE"] * 5 + ["SUCCESS"] * 15
    assert set(batch.files.values_list("execution__parent", flat=True)) == {parent.pk}
    notification = TaskNotification.objects.get(execution=parent)
    assert (notification.level, notification.message) == (
        "success", "Import finished: 20 files, 5 failed",
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_failed_file_says_why_and_where(user: User, inline: list[int]) -> None:
    kinds = ("bad_control_count", "truncated")
    files = [testdata.invalid_file(kind, random.Random(1), f"{kind}.edi", f"INV-9-{n}",
                                   max_bytes=LIMIT) for n, kind in enumerate(kinds, 1)]  # fmt: skip

    batch = import_now(user, files)

    count, cut = batch.files.order_by("pk")
    assert count.status == cut.status == FileStatus.FAILED
    assert count.error.startswith("Control count: UNT says")
    assert (count.segment_tag, count.segment_position) == ("UNT", count.segment_position)
    assert count.segment_position
    assert count.segment_position > 3
    assert cut.error.startswith("Truncated: the file ends inside a segment")
    child = refreshed(count.execution)
    assert (child.status, child.error) == ("FAILURE", count.error)


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_again_gives_only_duplicates_and_no_new_invoice(
    user: User, inline: list[int]
) -> None:
    files = batch_of(12, 2, seed=22)
    first = import_now(user, files)
    invoices = Invoice.objects.count()

    again = import_now(user, files)

    assert statuses(again) == {"duplicate": 10, "failed": 2}
    assert Invoice.objects.count() == invoices
    parent = refreshed(again.execution)
    assert (parent.status, parent.message) == ("SUCCESS", "Import finished: 12 files, 2 failed")
    assert (parent.processed_items, parent.failed_items) == (10, 2)
    duplicate = again.files.filter(status=FileStatus.DUPLICATE).order_by("pk").first()
    assert duplicate is not None
    assert duplicate.duplicate_of is not None
    assert duplicate.duplicate_of.batch == first
    assert duplicate.note == f"Same content as {duplicate.name} (import {first.job_id})"


@pytest.mark.django_db(transaction=True)
def test_invoices_already_stored_are_not_stored_again_from_another_file(
    user: User, inline: list[int]
) -> None:
    spec = testdata.random_invoice(random.Random(5), "INV-5-1")
    other = testdata.random_invoice(random.Random(6), "INV-6-1")
    once = testdata.EdiFile("a.edi", testdata.interchange_bytes([spec], reference="A"), 1)
    # A re-export of the same invoice (another UNB reference: other bytes), plus a new one.
    again = testdata.EdiFile("b.edi", testdata.interchange_bytes([spec, other], reference="B"), 2)
    resent = testdata.EdiFile("c.edi", testdata.interchange_bytes([spec], reference="C"), 1)
    same_bytes = testdata.EdiFile("d.edi", once.content, 1)

    batch = import_now(user, [once, again, resent, same_bytes])

    a, b, c, d = batch.files.order_by("pk")
    assert (a.status, a.invoices_created) == ("imported", 1)
    assert (b.status, b.invoices_created, b.invoices_existing) == ("imported", 1, 1)
    assert b.note == "1 of 2 invoices were imported before"
    assert (c.status, c.note) == ("duplicate", "All 1 invoices were imported before")
    assert (d.status, d.duplicate_of) == ("duplicate", a)
    assert Invoice.objects.count() == 2


# --- redelivery ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_file_task_inserts_nothing_twice(user: User, inline: list[int]) -> None:
    batch = import_now(user, batch_of(3, 0, seed=23))
    record = batch.files.order_by("pk").first()
    assert record is not None
    assert record.execution is not None
    invoices, seq = Invoice.objects.count(), refreshed(batch.execution).seq

    # The same message again (e.g. after the visibility timeout): its execution is finished.
    result = import_file.apply(args=(record.pk,), task_id=record.execution.task_id)
    # The same file under another execution (a duplicated fan-out): the file is done.
    stray = lifecycle.execution_register_published(
        task_id="stray", task_name=services.FILE_TASK, args=[record.pk], kwargs={}, queue=""
    )
    again = file_import.import_file_run(file_id=record.pk, execution_id=stray.pk)

    assert result.state == "IGNORED"
    assert again["status"] == "imported"
    assert Invoice.objects.count() == invoices
    assert refreshed(batch.execution).seq == seq  # the import's counters did not move


@pytest.mark.django_db(transaction=True)
def test_a_file_task_rerun_after_a_crash_before_its_commit_does_all_of_it(
    user: User, inline: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies mid-file commits nothing: the re-queued task does the whole file."""
    real = file_import.report
    calls = {"n": 0}

    def crash_once(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker lost")  # the transaction is rolled back
        real(*args, **kwargs)

    monkeypatch.setattr(file_import, "report", crash_once)
    files = batch_of(3, 0, seed=24)
    batch = services.import_create(user=user, files=uploads(files))
    assert batch.execution is not None
    with pytest.raises(SystemExit):
        import_files.apply(kwargs={"import_id": batch.pk}, task_id=batch.execution.task_id)
    crashed = batch.files.order_by("pk")[1]
    assert crashed.status == FileStatus.PENDING
    assert not Invoice.objects.filter(source_file=crashed).exists()
    child = TaskExecution.objects.get(parent=batch.execution, args=[crashed.pk])
    assert child.status in ("STARTED", "PROGRESS")

    import_file.apply(args=(crashed.pk,), task_id=child.task_id)  # the re-queued message
    import_file.apply(args=(crashed.pk,), task_id=child.task_id)  # and a stray copy of it

    crashed.refresh_from_db()
    assert crashed.status == FileStatus.IMPORTED
    assert Invoice.objects.filter(source_file=crashed).count() == files[1].invoices
    parent = refreshed(batch.execution)
    assert (parent.processed_items, parent.failed_items, parent.status) == (2, 0, "PROGRESS")


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_import_task_does_not_launch_its_files_twice(
    user: User, inline: list[int]
) -> None:
    batch = services.import_create(user=user, files=uploads(batch_of(4, 0, seed=25)))
    assert batch.execution is not None
    reporter = ProgressReporter(batch.execution.pk, interval=0)
    services.import_run(import_id=batch.pk, progress=reporter)

    assert services.import_run(import_id=batch.pk, progress=reporter) == {"files": 4}

    assert TaskExecution.objects.filter(parent=batch.execution).count() == 4
    assert refreshed(batch.execution).total_items == 4


# --- one import at a time ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_launch_while_one_runs_is_refused_with_the_running_one(
    user: User, other_user: User, settings
) -> None:
    files = uploads(batch_of(2, 0, seed=26))
    first = services.import_create(user=user, files=files)

    with pytest.raises(services.ImportRunning) as refused:
        services.import_create(user=user, files=files)
    assert refused.value.running == first
    assert Import.objects.count() == 1
    services.import_create(user=other_user, files=files)  # per user by default

    settings.TASKPULSE_EDI_LOCK_SCOPE = "global"
    with pytest.raises(services.ImportRunning):
        services.import_create(user=User.objects.create_user("cy"), files=files)


@pytest.mark.django_db
def test_the_lock_is_the_running_execution_so_it_ends_with_it(user: User) -> None:
    files = uploads(batch_of(2, 0, seed=27))
    first = services.import_create(user=user, files=files)
    assert first.execution is not None
    TaskExecution.objects.filter(pk=first.execution.pk).update(status="SUCCESS")

    second = services.import_create(user=user, files=files)

    assert second.pk != first.pk


@pytest.mark.django_db
def test_recovery_frees_the_lock_of_an_import_whose_worker_died(
    user: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@host"})
    monkeypatch.setattr(launching, "execution_send", lambda pk, options=None: True)
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    settings.TASKPULSE_MAX_REQUEUES = 1
    files = uploads(batch_of(2, 0, seed=28))
    first = services.import_create(user=user, files=files)
    assert first.execution is not None
    TaskExecution.objects.filter(pk=first.execution.pk).update(
        status="STARTED", worker="dead@host", updated_at=timezone.now() - timedelta(minutes=5)
    )

    recovery.recover(broker=FakeBroker())  # the import task is idempotent: re-queued once
    assert refreshed(first.execution).status == "PENDING"
    with pytest.raises(services.ImportRunning):
        services.import_create(user=user, files=files)
    TaskExecution.objects.filter(pk=first.execution.pk).update(
        status="STARTED", worker="dead@host", updated_at=timezone.now() - timedelta(minutes=5)
    )
    recovery.recover(broker=FakeBroker())  # no re-queue left: it fails, and the lock is free

    assert refreshed(first.execution).status == "FAILURE"
    assert services.import_create(user=user, files=files).pk != first.pk


# --- cancel, storage ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_import_skips_the_files_not_read_yet(
    user: User, inline: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = file_import.read_file
    reads = {"n": 0}

    def cancel_after_three(record: ImportFile) -> file_import.Outcome:
        reads["n"] += 1
        if reads["n"] == 4:
            launching.execution_cancel(record.batch.execution, by=user)  # type: ignore[arg-type]
        return real(record)

    monkeypatch.setattr(file_import, "read_file", cancel_after_three)

    batch = import_now(user, batch_of(8, 0, seed=29))

    parent = refreshed(batch.execution)
    assert (parent.status, parent.message) == ("REVOKED", "Import cancelled: 3 of 8 files imported")
    assert statuses(batch) == {"imported": 3, "failed": 5}
    skipped = batch.files.filter(status=FileStatus.FAILED).first()
    assert skipped is not None
    assert skipped.error == "Cancelled before this file was read"
    assert refreshed(skipped.execution).status == "REVOKED"


@pytest.mark.django_db
def test_files_are_kept_in_storage_and_removed_when_the_launch_fails(
    user: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = services.import_create(user=user, files=uploads(batch_of(2, 0, seed=30)))
    names = list(batch.files.values_list("stored_name", flat=True))
    assert all(default_storage.exists(name) for name in names)
    assert all(name.startswith(f"edi/{batch.job_id}/") for name in names)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(tracking, "execution_launch", broken)
    TaskExecution.objects.update(status="SUCCESS")
    with pytest.raises(RuntimeError):
        services.import_create(user=user, files=uploads(batch_of(2, 0, seed=31)))
    kept = [path for path in (media / "edi").rglob("*") if path.is_file()]
    assert sorted(path.parent.name for path in kept) == [str(batch.job_id)] * 2


@pytest.mark.django_db(transaction=True)
def test_an_import_the_broker_does_not_take_keeps_its_files_for_when_it_is_sent(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_gives_up(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Retry limit exceeded while trying to reconnect")

    monkeypatch.setattr(launching.celery_app, "send_task", broker_gives_up)

    batch = services.import_create(user=user, files=uploads(batch_of(2, 0, seed=33)))

    assert batch.execution is not None
    assert launching.execution_waits_for_broker(batch.execution)
    names = list(batch.files.values_list("stored_name", flat=True))
    assert len(names) == 2
    assert all(default_storage.exists(name) for name in names)


@pytest.mark.django_db(transaction=True)
def test_an_error_after_the_commit_removes_no_file_the_import_needs(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch = tracking.execution_launch

    def launch_then_fail_after_the_commit(**kwargs: Any) -> TaskExecution:
        def fail() -> None:
            raise RuntimeError("after the commit")

        transaction.on_commit(fail)
        return launch(**kwargs)

    monkeypatch.setattr(launching, "execution_send", lambda pk, options=None: True)
    monkeypatch.setattr(tracking, "execution_launch", launch_then_fail_after_the_commit)

    with pytest.raises(RuntimeError, match="after the commit"):
        services.import_create(user=user, files=uploads(batch_of(2, 0, seed=34)))

    names = list(ImportFile.objects.values_list("stored_name", flat=True))
    assert len(names) == 2
    assert all(default_storage.exists(name) for name in names)


@pytest.mark.django_db(transaction=True)
def test_a_stored_file_gone_or_changed_fails_with_that_reason(
    user: User, inline: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = services.import_create(user=user, files=uploads(batch_of(2, 0, seed=32)))
    gone, changed = batch.files.order_by("pk")
    default_storage.delete(gone.stored_name)
    default_storage.delete(changed.stored_name)
    default_storage.save(changed.stored_name, ContentFile(b"UNA:+.? 'UNB+UNOC:3+X+Y+1+1'"))
    assert batch.execution is not None

    import_files.apply(kwargs={"import_id": batch.pk}, task_id=batch.execution.task_id)

    gone.refresh_from_db()
    changed.refresh_from_db()
    assert gone.error == "Missing file: the stored copy cannot be read"
    assert changed.error == "Changed file: the stored copy differs from the upload"


def test_upload_problems_name_each_bad_file(settings) -> None:
    settings.TASKPULSE_EDI_MAX_FILES = 3
    good = ContentFile(b"UNB", name="ok.edi")
    big = ContentFile(b"x" * (LIMIT + 1), name="big.EDI")
    pdf = ContentFile(b"%PDF", name="scan.pdf")

    assert services.upload_problems([]) == ["Send at least one file in the `files` field."]
    assert services.upload_problems([good, big, pdf]) == [
        "big.EDI: too large (65,537 bytes; at most 65,536)",
        "scan.pdf: wrong type; expected an EDIFACT file (.edi, .edifact, .edf, .inv, .txt, .dat)",
    ]
    assert services.upload_problems([good] * 4) == ["Too many files: 4; at most 3."]


@pytest.mark.django_db
def test_files_no_task_will_read_are_failed_with_the_reason(
    user: User, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recovery, "live_workers", lambda: {"alive@host"})
    monkeypatch.setattr(launching, "execution_send", lambda pk, options=None: True)
    settings.TASKPULSE_WORKER_LOST_AFTER = 0
    settings.TASKPULSE_MAX_REQUEUES = 0
    queued = services.import_create(user=user, files=uploads(batch_of(2, 0, seed=33)))
    assert queued.execution is not None

    launching.execution_cancel(queued.execution, by=user)  # before it started

    assert set(queued.files.values_list("status", "error")) == {
        ("failed", "Not imported: Cancelled before it started")
    }
    running = services.import_create(user=user, files=uploads(batch_of(2, 0, seed=34)))
    record = running.files.order_by("pk").first()
    assert record is not None
    lost = lifecycle.execution_register_published(
        task_id="lost", task_name=services.FILE_TASK, args=[record.pk], kwargs={}, queue=""
    )
    TaskExecution.objects.filter(pk=lost.pk).update(
        status="STARTED", worker="dead@host", updated_at=timezone.now() - timedelta(minutes=5)
    )

    recovery.recover(broker=FakeBroker())  # its worker is gone, and no re-queue is left

    record.refresh_from_db()
    assert (record.status, record.error, record.execution_id) == (
        "failed", "Not imported: Worker lost (dead@host)", lost.pk,
    )  # fmt: skip
    assert running.files.filter(status="pending").count() == 1

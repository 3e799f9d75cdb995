"""Stored uploads: deleted once read, swept by retention, bounded per request and per user."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from edi import services, testdata, uploads
from edi.models import FileStatus, Import, ImportFile
from edi.tasks import import_files
from edi.tests.conftest import import_now
from edi.tests.conftest import uploads as as_uploads
from task_manager import events, launching
from task_manager.models import TaskExecution

IMPORTS = "/api/edi/imports/"
LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def small_files(settings) -> None:
    settings.TASKPULSE_EDI_MAX_FILE_BYTES = LIMIT


def stored(media: Path) -> list[Path]:
    return sorted(path for path in (media / "edi").rglob("*") if path.is_file())


def batch_of(count: int, invalid: int = 0, seed: int = 60) -> list[testdata.EdiFile]:
    return testdata.generate_batch(count, invalid, seed=seed, max_bytes=LIMIT)


def post(api: APIClient, files: list[testdata.EdiFile]) -> Any:
    sent = [SimpleUploadedFile(f.name, f.content, "application/edifact") for f in files]
    return api.post(IMPORTS, {"files": sent}, format="multipart")


@pytest.mark.django_db(transaction=True)
def test_every_stored_copy_is_deleted_once_its_file_is_imported_or_failed(
    user: User, inline: list[int], media: Path
) -> None:
    batch = import_now(user, batch_of(6, 2))

    assert set(batch.files.values_list("status", flat=True)) == {"imported", "failed"}
    assert stored(media) == []
    assert set(batch.files.values_list("stored_name", flat=True)) == {""}
    assert not (media / "edi" / str(batch.job_id)).exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_cancelled_before_it_started_deletes_its_copies(
    user: User, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "publish", lambda groups, message: None)
    batch = services.import_create(user=user, files=as_uploads(batch_of(3)))
    assert len(stored(media)) == 3
    assert batch.execution is not None

    launching.execution_cancel(batch.execution, by=user)

    assert set(batch.files.values_list("status", flat=True)) == {FileStatus.FAILED}
    assert stored(media) == []


@pytest.mark.django_db
def test_an_upload_over_the_request_size_is_a_413_and_nothing_is_stored(
    api: APIClient, settings, media: Path
) -> None:
    files = batch_of(3)
    settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES = sum(len(f.content) for f in files) - 1

    response = post(api, files)

    assert response.status_code == 413
    body = response.json()
    assert list(body["errors"]) == ["files"]
    assert body["errors"]["files"][0].startswith("Too large an upload: ")
    assert body["detail"].startswith("files: Too large an upload")
    assert not Import.objects.exists()
    assert stored(media) == []


@pytest.mark.django_db
def test_a_body_far_over_the_request_size_is_refused_unread(api: APIClient, settings) -> None:
    settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES = 1000
    settings.TASKPULSE_EDI_MAX_FILE_BYTES = 4 * 1024 * 1024
    huge = SimpleUploadedFile("big.edi", b"x" * (2 * 1024 * 1024))

    response = api.post(IMPORTS, {"files": [huge]}, format="multipart")

    assert response.status_code == 413
    assert "at most 1,000 per request" in response.json()["errors"]["files"][0]


@pytest.mark.django_db
def test_past_the_users_quota_an_upload_is_a_413(
    api: APIClient, user: User, other_user: User, settings, media: Path
) -> None:
    first = post(api, batch_of(2))
    assert first.status_code == 202
    # Its files were never read (a worker died) and retention has not come by yet.
    TaskExecution.objects.update(status="FAILURE")
    held = uploads.stored_bytes(user_id=user.pk)
    next_files = batch_of(1, seed=61)
    settings.TASKPULSE_EDI_USER_QUOTA_BYTES = held + len(next_files[0].content) - 1

    refused = post(api, next_files)
    others = APIClient()
    others.force_authenticate(other_user)

    assert refused.status_code == 413
    assert refused.json()["errors"]["files"][0].startswith("Over your storage quota")
    assert Import.objects.count() == 1
    assert len(stored(media)) == 2
    assert post(others, next_files).status_code == 202  # a quota is per user


@pytest.mark.django_db
def test_retention_deletes_what_no_task_will_read(user: User, media: Path) -> None:
    def launched(seed: int) -> Import:
        batch = services.import_create(user=user, files=as_uploads(batch_of(1, seed=seed)))
        TaskExecution.objects.update(status="FAILURE")  # lets the next one launch
        return batch

    done, recent, old = launched(70), launched(71), launched(72)
    ImportFile.objects.filter(batch=done).update(status=FileStatus.FAILED)
    Import.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    assert uploads.uploads_purge() == 2

    kept = ImportFile.objects.exclude(stored_name="")
    assert list(kept.values_list("batch", flat=True)) == [recent.pk]
    assert [path.parent.name for path in stored(media)] == [str(recent.job_id)]


def test_retention_runs_hourly_from_beat_and_is_not_a_tracked_execution() -> None:
    from task_manager.signals import is_tracked

    schedule = django_settings.CELERY_BEAT_SCHEDULE["taskpulse-edi-uploads"]
    assert (schedule["task"], schedule["schedule"]) == ("edi.purge_old_uploads", 3600.0)
    assert not is_tracked("edi.purge_old_uploads")


@pytest.mark.django_db(transaction=True)
def test_imports_go_through_the_storage_api_not_the_file_system(
    user: User, inline: list[int], settings, media: Path
) -> None:
    """An object store in production (MEDIA_STORAGE_BACKEND): an in-memory storage here, whose
    files are on no disk; the import reads them, and nothing lands in MEDIA_ROOT."""
    from django.core.files.storage import InMemoryStorage, default_storage, storages

    memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": memory}
    assert not default_storage.exists("edi")
    batch = services.import_create(user=user, files=as_uploads(batch_of(4, 1)))
    names = list(batch.files.values_list("stored_name", flat=True))
    assert len(names) == 4
    assert all(default_storage.exists(name) for name in names)
    assert not media.exists()  # not a byte on disk

    assert batch.execution is not None
    import_files.apply(kwargs={"import_id": batch.pk}, task_id=batch.execution.task_id)

    assert set(batch.files.values_list("status", flat=True)) == {"imported", "failed"}
    assert not any(default_storage.exists(name) for name in names)  # read, then deleted
    assert isinstance(storages["default"], InMemoryStorage)
    assert not media.exists()

"""Fixtures of the edi tests: uploads from the generator, and imports run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile

from config.celery import app as celery_app
from edi import services
from edi.models import Import
from edi.tasks import import_files
from edi.testdata import EdiFile
from task_manager import events, launching


def uploads(files: list[EdiFile]) -> list[ContentFile]:
    return [ContentFile(file.content, name=file.name) for file in files]


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Stored uploads go to a folder of the test's own (workers get theirs in the e2e tests)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Imports run in this process: nothing is sent to the broker, fan-outs run eagerly.

    Tasks run in-process close the database connection (task_prerun), so tests using this
    need django_db(transaction=True).
    """
    sent: list[int] = []

    def send_execution(pk: int, options: object = None) -> bool:
        sent.append(pk)
        return True

    monkeypatch.setattr(launching, "execution_send", send_execution)
    monkeypatch.setattr(events, "publish", lambda groups, message: None)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield sent
    celery_app.conf.task_always_eager = eager


def import_now(user: User, files: list[EdiFile]) -> Import:
    """Launch an import and run it to the end in this process (with the `inline` fixture)."""
    batch = services.import_create(user=user, files=uploads(files))
    assert batch.execution is not None
    import_files.apply(kwargs={"import_id": batch.pk}, task_id=batch.execution.task_id)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def shared_media() -> Iterator[Path]:
    """For tests with workers: the default MEDIA_ROOT (theirs too), emptied of edi/ after."""
    root = Path(settings.MEDIA_ROOT)
    yield root
    shutil.rmtree(root / "edi", ignore_errors=True)

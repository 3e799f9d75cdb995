"""End to end: an import uploaded while the broker is down is accepted (202), keeps its files,
and is imported once when the broker is back. A real web server on a Redis of the test's
own, which the test stops and starts again; a real worker once it is back."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from rest_framework.authtoken.models import Token

from edi import testdata
from edi.models import FileStatus, Import, Invoice
from task_manager.models import TaskExecution
from testing.live import LiveRedis, LiveServer, LiveWorker, running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media() -> Iterator[Path]:
    """The web server stores the uploads and the worker reads them: both under the default
    MEDIA_ROOT, with this test's imports removed afterwards."""
    root = Path(django_settings.MEDIA_ROOT)
    yield root
    for job_id in Import.objects.values_list("job_id", flat=True):
        shutil.rmtree(root / "edi" / str(job_id), ignore_errors=True)


def test_an_import_while_the_broker_is_down_keeps_its_files_and_runs_once_later(
    tmp_path: Path, user: User
) -> None:
    files = [file for file in testdata.generate_batch(3, 0, seed=15) if not file.defect]
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    redis = LiveRedis(tmp_path / "redis")
    with running(LiveServer(tmp_path / "web.log", REDIS_URL=redis.url)) as web:
        redis.stop()
        asked = time.monotonic()
        answer = requests.post(
            f"{web.url}/api/edi/imports/",  # type: ignore[attr-defined]
            files=[("files", (file.name, file.content)) for file in files], headers=headers,
            timeout=60,
        )  # fmt: skip
        print(f"\nimport, broker down: {answer.status_code} in {time.monotonic() - asked:.2f} s")

    assert answer.status_code == 202, answer.text
    batch = Import.objects.get(job_id=answer.json()["job_id"])
    stored = list(batch.files.values_list("stored_name", flat=True))
    assert len(stored) == len(files)
    assert all(default_storage.exists(name) for name in stored)
    execution_id = batch.execution_id
    assert execution_id is not None
    assert TaskExecution.objects.get(pk=execution_id).queued_at is None

    redis.start()  # the same port and password: clients keep their URL
    try:
        # The worker's start runs recovery, which sends what was never sent.
        with running(LiveWorker(tmp_path / "w.log", name="edi-outage", REDIS_URL=redis.url,
                                TASKPULSE_UNSENT_GRACE_SECONDS="0")):  # fmt: skip
            wait_until(lambda: not TaskExecution.objects.get(pk=execution_id).is_active,
                       timeout=60, interval=0.2, what="the import to end")  # fmt: skip
    finally:
        redis.stop()

    statuses = list(batch.files.values_list("status", flat=True))
    assert statuses == [FileStatus.IMPORTED] * len(files), list(batch.files.values("error"))
    numbers = sorted(number for file in files for number in file.numbers)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == numbers  # once each

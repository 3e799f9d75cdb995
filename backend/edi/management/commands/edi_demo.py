"""`make demo-edi`: generate a batch of INVOIC files and import it for a user.

Needs the stack of `make run` (its Redis, database and worker): the import is queued like
an upload from the page, and shows up live at /edi and in /api/edi/imports/.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.utils.url import maybe_sanitize_url

from cluster.health import check_broker
from edi import services
from edi.testdata import DEFECTS, generate_batch
from task_manager.recovery import live_workers


class Command(BaseCommand):
    help = "Generate INVOIC files (some invalid, of each kind) and import them for a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--files", type=int, default=50, help="files in the batch (50)")
        parser.add_argument(
            "--invalid", type=int, default=5, help=f"bad ones, kinds in order: {', '.join(DEFECTS)}"
        )
        parser.add_argument("--user", default="admin", help="who imports them (admin)")
        parser.add_argument(
            "--seed", type=int, help="a seed repeats a batch (its invoices then are duplicates)"
        )
        parser.add_argument("--out", type=Path, help="also write the files into this folder")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r} (make run creates 'admin')")
        if not 0 <= options["invalid"] <= options["files"] <= settings.TASKPULSE_EDI_MAX_FILES:
            raise CommandError(
                f"need 0 <= --invalid <= --files <= {settings.TASKPULSE_EDI_MAX_FILES}"
            )
        self.check_stack()
        seed = options["seed"] if options["seed"] is not None else random.randrange(1, 10**6)  # noqa: S311
        files = generate_batch(options["files"], options["invalid"], seed=seed,
                               max_bytes=settings.TASKPULSE_EDI_MAX_FILE_BYTES)  # fmt: skip
        if options["out"]:
            self.write(files, options["out"])
        uploads = [ContentFile(file.content, name=file.name) for file in files]
        try:
            batch = services.import_create(user=user, files=uploads)
        except services.ImportRunning as running:
            raise CommandError(
                f"an import is already running: job {running.running.job_id}"
            ) from None
        port = settings.WEB_PORT
        self.stdout.write(f"{batch.job_id}")
        self.stderr.write(
            f"Import of {len(files)} files ({options['invalid']} invalid, seed {seed}) for "
            f"{user.get_username()}: job {batch.job_id}, execution {batch.execution_id}\n"
            f"  watch it: http://127.0.0.1:{port}/edi  or  /api/edi/imports/{batch.job_id}/"
        )

    def check_stack(self) -> None:
        try:
            check_broker(timeout=2)
        except Exception:  # Redis or RabbitMQ, whatever the error: it is not there
            raise CommandError(
                f"The broker at {maybe_sanitize_url(settings.CELERY_BROKER_URL)} does not "
                "answer: start `make run` first"
            ) from None
        if not live_workers():
            self.stderr.write("No worker answers yet: the import waits in the queue for one.")

    def write(self, files: list[Any], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for file in files:
            (folder / file.name).write_bytes(file.content)
        self.stderr.write(f"Wrote {len(files)} files to {folder}")

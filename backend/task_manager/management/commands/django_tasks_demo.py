"""Enqueue the demo task of Django's tasks framework (task_manager.django_demo.demo) for a
user (admin by default): `make demo-django-tasks`, beside a running `make run`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from task_manager.django_demo import demo
from task_manager.lifecycle import enqueued_by


class Command(BaseCommand):
    help = "Enqueue the django.tasks demo task (steps with progress and log lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="admin", help="The user it runs for.")
        parser.add_argument("--steps", type=int, default=8)
        parser.add_argument("--step-seconds", type=float, default=1.0)
        parser.add_argument("--fail-at-step", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']!r} (make run creates admin)")
        with enqueued_by(user):
            result = demo.enqueue(steps=options["steps"], step_seconds=options["step_seconds"],
                                  fail_at_step=options["fail_at_step"])  # fmt: skip
        self.stdout.write(f"enqueued {result.id} on backend {result.backend!r}: {result.status}")

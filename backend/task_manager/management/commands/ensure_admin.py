"""Make sure the `admin` superuser exists (used by `make run` at every start)."""

import os
import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin superuser if missing; TASKPULSE_ADMIN_PASSWORD sets its password."

    def handle(self, *args: object, **options: object) -> None:
        password = os.environ.get("TASKPULSE_ADMIN_PASSWORD", "")
        user = User.objects.filter(username="admin").first()
        if user is not None and not password:
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        if user is None:
            User.objects.create_superuser("admin", email="", password=password)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        if generated:
            self.stdout.write(
                self.style.WARNING(f"Created user 'admin' with password: {password}  (shown once)")
            )

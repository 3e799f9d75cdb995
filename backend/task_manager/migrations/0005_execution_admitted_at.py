"""Turns (task_manager.turns): when an execution was let through its user's cap. Every
execution that exists already was: its launch time."""

import django.utils.timezone
from django.db import migrations, models


def admitted_when_created(apps, schema_editor):
    TaskExecution = apps.get_model("task_manager", "TaskExecution")
    TaskExecution.objects.update(admitted_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [("task_manager", "0004_move_auditrecord_to_cluster")]

    operations = [
        migrations.AddField(
            model_name="taskexecution",
            name="admitted_at",
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True),
        ),
        migrations.RunPython(admitted_when_created, migrations.RunPython.noop),
    ]

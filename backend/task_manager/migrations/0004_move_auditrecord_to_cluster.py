# AuditRecord now belongs to the cluster app (cluster 0001 took it over, table and rows
# untouched): it leaves task_manager's state only, no SQL runs.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('task_manager', '0003_execution_params'),
        ('cluster', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditRecord')],
            database_operations=[],
        ),
    ]

# AuditRecord moves here from task_manager. The table stays as it is (task_manager_auditrecord,
# with its rows, indexes and sequence): only Django's state moves, so no SQL runs on it.
# task_manager's 0004 then removes the model from task_manager's state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_app(apps, *, old, new):
    """Keep the model's content type (and the permissions and admin log entries that point at
    it) by renaming its app, unless the new one exists already (nothing to move then)."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label=new, model='auditrecord').exists():
        ContentType.objects.filter(app_label=old, model='auditrecord').update(app_label=new)


def to_cluster(apps, schema_editor):
    content_type_app(apps, old='task_manager', new='cluster')


def to_task_manager(apps, schema_editor):
    content_type_app(apps, old='cluster', new='task_manager')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('task_manager', '0003_execution_params'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('username', models.CharField(blank=True, max_length=150)),
                        ('action', models.CharField(db_index=True, max_length=64)),
                        ('target', models.CharField(help_text='A worker name or a task name.', max_length=255)),
                        ('params', models.JSONField(blank=True, default=dict)),
                        ('ok', models.BooleanField()),
                        ('result', models.TextField(blank=True, help_text='What Flower answered on success.')),
                        ('error', models.TextField(blank=True, help_text='Why the action failed.')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_records', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'task_manager_auditrecord',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_cluster, to_task_manager),
    ]

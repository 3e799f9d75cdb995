"""The "Deploy VM" template: launchable from the templates API, and the recovery thresholds
of every deployment (seed 003: re-queue a deployment stuck PENDING after 2 minutes, fail it
with "Timeout" after 60; a lost worker re-queues it, 3 times at most)."""

from django.db import migrations

from deploy.params import DEFAULT_PARAMS, params_schema

NAME = "Deploy VM"
TASK_NAME = "deploy.deploy_vm"


def template_fields():
    return {
        "module": "deploy",
        "task_name": TASK_NAME,
        "description": (
            "Deploys a VM in eight steps: connect to vCenter, clone from template, configure "
            "hardware, configure network, power on, wait for guest tools and IP, "
            "post-configuration, verify."
        ),
        "default_params": DEFAULT_PARAMS,
        "params_schema": params_schema(),
        "enabled": True,
        "max_retries": 3,
        "notify_on_finish": True,
        "on_worker_lost": "requeue",
        "pending_requeue_after": 120,
        "pending_timeout": 3600,
    }


def create_template(apps, schema_editor):
    TaskTemplate = apps.get_model("task_manager", "TaskTemplate")
    TaskTemplate.objects.update_or_create(name=NAME, defaults=template_fields())


def delete_template(apps, schema_editor):
    TaskTemplate = apps.get_model("task_manager", "TaskTemplate")
    TaskTemplate.objects.filter(name=NAME, task_name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deploy", "0001_initial"),
        ("task_manager", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_template, delete_template)]

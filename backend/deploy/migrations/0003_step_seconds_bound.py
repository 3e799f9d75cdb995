"""The "Deploy VM" template's params schema takes the simulator's new bound on a step
(deploy.params.STEP_SECONDS_MAX: 60 s, was 600), so that its launch form says it too."""

from django.db import migrations

from deploy.params import STEP_SECONDS_MAX

TASK_NAME = "deploy.deploy_vm"


def set_bound(maximum):
    def update(apps, schema_editor):
        TaskTemplate = apps.get_model("task_manager", "TaskTemplate")
        for template in TaskTemplate.objects.filter(task_name=TASK_NAME):
            simulate = template.params_schema.get("properties", {}).get("simulate", {})
            step = simulate.get("properties", {}).get("step_seconds")
            if isinstance(step, dict) and step.get("maximum", 0) > maximum:
                step["maximum"] = maximum
                template.save(update_fields=["params_schema"])

    return update


class Migration(migrations.Migration):

    dependencies = [("deploy", "0002_deploy_vm_template")]

    operations = [migrations.RunPython(set_bound(STEP_SECONDS_MAX), migrations.RunPython.noop)]

"""The history of VM deployments: what was asked, which provider ran it, and how it ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from task_manager.models import TaskExecution


class DeploymentStatus(models.TextChoices):
    PENDING = "pending"
    DEPLOYING = "deploying"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_DEPLOYMENT_STATUSES = frozenset({DeploymentStatus.PENDING, DeploymentStatus.DEPLOYING})


class DeploymentHistory(models.Model):
    """One deployment of one VM. Outlives its execution, which retention deletes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deployments"
    )
    provider = models.CharField(max_length=32, help_text="Who ran it: simulator or vsphere.")

    # What was asked.
    hostname = models.CharField(max_length=253, db_index=True)
    vcenter_host = models.CharField(max_length=253)
    datacenter = models.CharField(max_length=80)
    template = models.CharField(max_length=80, help_text="The VM template to clone.")
    network = models.CharField(max_length=80)
    cpu = models.PositiveSmallIntegerField()
    memory_gb = models.PositiveIntegerField()
    disk_gb = models.PositiveIntegerField()
    ip_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="Static address; empty means DHCP."
    )
    simulate = models.JSONField(
        default=dict, blank=True, help_text="Fault injection for the simulator."
    )

    # How it went.
    status = models.CharField(
        max_length=16, choices=DeploymentStatus.choices, default=DeploymentStatus.PENDING
    )
    execution = models.ForeignKey(
        TaskExecution, null=True, blank=True, on_delete=models.SET_NULL, related_name="deployments"
    )
    celery_task_id = models.CharField(max_length=255, blank=True, db_index=True)
    last_step = models.PositiveSmallIntegerField(
        default=0, help_text="Steps completed; a retry resumes after it."
    )
    vm_id = models.CharField(max_length=255, blank=True)
    vm_ip_address = models.GenericIPAddressField(null=True, blank=True)
    error = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deployment histories"
        indexes = [models.Index(fields=["user", "-created_at"], name="deployment_user_created")]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_DEPLOYMENT_STATUSES


class SimulatedVM(models.Model):
    """A VM the simulator cloned: its vCenter's inventory. A clone step repeated after a
    crash finds here the VM its deployment made, as the vsphere provider asks vCenter."""

    deployment_key = models.CharField(max_length=255, unique=True)
    vcenter_host = models.CharField(max_length=253)
    datacenter = models.CharField(max_length=80)
    name = models.CharField(max_length=253)
    vm_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "simulated VM"

    def __str__(self) -> str:
        return f"{self.name} ({self.vm_id})"

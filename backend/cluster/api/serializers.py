"""Bodies and answers of the cluster endpoints: admin action parameters, audit records."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cluster.models import AuditRecord
from task_manager.api.serializers import EmptyBodySerializer

QUEUE_NAME = r"^[\w.:\-]{1,200}$"
WORKER_NAME = r"^[^\s/]{1,255}$"


class WorkersQuerySerializer(serializers.Serializer):
    refresh = serializers.BooleanField(
        default=False, help_text="Ask Flower to inspect every worker anew (slower)."
    )


class PoolChangeSerializer(serializers.Serializer):
    n = serializers.IntegerField(min_value=1, max_value=64, default=1)


class AutoscaleSerializer(serializers.Serializer):
    min = serializers.IntegerField(min_value=0, max_value=256)
    max = serializers.IntegerField(min_value=1, max_value=256)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["min"] > attrs["max"]:
            raise serializers.ValidationError({"min": ["Must not be greater than max."]})
        return attrs


class QueueSerializer(serializers.Serializer):
    queue = serializers.RegexField(
        QUEUE_NAME, error_messages={"invalid": "Letters, digits and . : _ - only."}
    )


class TaskLimitSerializer(serializers.Serializer):
    worker = serializers.RegexField(
        WORKER_NAME, required=False, help_text="One worker; all online workers when omitted."
    )


class RateLimitSerializer(TaskLimitSerializer):
    rate_limit = serializers.RegexField(
        r"^\d{1,9}(\.\d{1,6})?(/[smh])?$",
        help_text='Tasks per second, or "N/s", "N/m", "N/h"; "0" removes the limit.',
        error_messages={"invalid": 'Expected a rate like "10/m", "2/s" or "0".'},
    )


class TimeLimitSerializer(TaskLimitSerializer):
    soft = serializers.FloatField(min_value=0, max_value=10**6, allow_null=True, default=None)
    hard = serializers.FloatField(min_value=0, max_value=10**6, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        soft, hard = attrs["soft"], attrs["hard"]
        if soft is not None and hard is not None and soft > hard:
            raise serializers.ValidationError({"soft": ["Must not be greater than hard."]})
        return attrs


WORKER_ACTION_BODIES: dict[str, type[serializers.Serializer]] = {
    "pool-grow": PoolChangeSerializer,
    "pool-shrink": PoolChangeSerializer,
    "autoscale": AutoscaleSerializer,
    "shutdown": EmptyBodySerializer,
    "add-consumer": QueueSerializer,
    "cancel-consumer": QueueSerializer,
}
TASK_ACTION_BODIES: dict[str, type[serializers.Serializer]] = {
    "rate-limit": RateLimitSerializer,
    "time-limit": TimeLimitSerializer,
}


class AuditUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class AuditRecordSerializer(serializers.ModelSerializer):
    user = AuditUserSerializer(allow_null=True)

    class Meta:
        model = AuditRecord
        fields = [
            "id", "user", "username", "action", "target", "params", "ok", "result", "error",
            "created_at",
        ]  # fmt: skip


class ActionResultSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What Flower answered, or why it failed.")
    audit = AuditRecordSerializer()


class AuditQuerySerializer(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64)
    target = serializers.CharField(required=False, max_length=255)

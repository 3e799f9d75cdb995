"""Staff views of the Celery cluster (API.md: workers/, flower-info/), its admin actions and
their audit trail.

Reads never fail: when Flower is unreachable or answers garbage they are a 200 with
`"flower": "unavailable"` and Celery's own view of the workers. Actions go through Flower,
are audited whatever happens, and map what Flower said: 404 unknown worker or task, 409 the
worker refused (e.g. autoscale on a worker started without --autoscale), 400 Flower found
the parameters invalid, 503 Flower unavailable.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from task_manager import cluster, selectors, services
from task_manager.api.serializers import EmptyBodySerializer, is_registered_task
from task_manager.api.views import BODY_PARSERS, Pagination, request_user, validated
from task_manager.models import AuditRecord

QUEUE_NAME = r"^[\w.:\-]{1,200}$"
WORKER_NAME = r"^[^\s/]{1,255}$"
STATUS_BY_FAILURE = {
    "unknown": status.HTTP_404_NOT_FOUND,
    "refused": status.HTTP_409_CONFLICT,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


class IsStaff(BasePermission):
    message = "Only staff may see and control the workers."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_staff", False))


class StaffView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsStaff]


# --- reads -------------------------------------------------------------------------------------


class WorkersQuerySerializer(serializers.Serializer):
    refresh = serializers.BooleanField(
        default=False, help_text="Ask Flower to inspect every worker anew (slower)."
    )


class WorkersView(StaffView):
    """GET workers/: every worker, from Flower or, when it is down, from Celery's inspect."""

    @extend_schema(parameters=[WorkersQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = validated(WorkersQuerySerializer, request.query_params)
        return Response(cluster.cluster_workers(refresh=query["refresh"]))


class FlowerInfoView(StaffView):
    """GET flower-info/: Flower's reachability and version, the dashboard URL, totals."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(cluster.cluster_overview())


# --- actions -----------------------------------------------------------------------------------


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


ACTION_RESPONSES = {
    200: ActionResultSerializer,
    400: OpenApiResponse(description="Invalid parameters (per field)."),
    404: OpenApiResponse(description="Unknown worker, task or action."),
    409: OpenApiResponse(description="The worker refused (audited)."),
    503: OpenApiResponse(description="Flower is unavailable (audited)."),
}


class ClusterActionView(StaffView):
    parser_classes = BODY_PARSERS

    def run(self, request: Request, *, action: str, target: str, body: dict) -> Response:
        outcome = services.cluster_action(
            user=request_user(request), action=action, target=target, params=body
        )
        record = outcome.record
        data = {
            "detail": record.result if record.ok else record.error,
            "audit": AuditRecordSerializer(record).data,
        }
        code = STATUS_BY_FAILURE[outcome.failure] if outcome.failure else status.HTTP_200_OK
        return Response(data, status=code)


class WorkerActionView(ClusterActionView):
    """POST workers/<worker>/<action>/: pool-grow, pool-shrink ({"n"}), autoscale
    ({"min","max"}), shutdown ({}), add-consumer, cancel-consumer ({"queue"})."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=ACTION_RESPONSES)
    def post(self, request: Request, worker: str, action: str) -> Response:
        body_serializer = WORKER_ACTION_BODIES.get(action)
        if body_serializer is None:
            raise NotFound(f"Unknown action {action!r}; one of {', '.join(WORKER_ACTION_BODIES)}.")
        body = validated(body_serializer, request.data)
        return self.run(request, action=action, target=worker, body=body)


class TaskActionView(ClusterActionView):
    """POST task-types/<task_name>/rate-limit/ ({"rate_limit", "worker"?}) and
    .../time-limit/ ({"soft", "hard", "worker"?}): without a worker, every online one."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses=ACTION_RESPONSES)
    def post(self, request: Request, task_name: str, action: str) -> Response:
        body_serializer = TASK_ACTION_BODIES.get(action)
        if body_serializer is None:
            raise NotFound(f"Unknown action {action!r}; one of {', '.join(TASK_ACTION_BODIES)}.")
        if task_name.startswith("celery.") or not is_registered_task(task_name):
            raise NotFound(f"{task_name!r} is not a registered Celery task.")
        body = validated(body_serializer, request.data)
        return self.run(request, action=action, target=task_name, body=body)


# --- audit -------------------------------------------------------------------------------------


class AuditQuerySerializer(serializers.Serializer):
    action = serializers.CharField(required=False, max_length=64)
    target = serializers.CharField(required=False, max_length=255)


@extend_schema_view(get=extend_schema(parameters=[AuditQuerySerializer]))
class AuditListView(ListAPIView, StaffView):
    """GET audit/: the admin actions on the cluster, newest first."""

    serializer_class = AuditRecordSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[AuditRecord]:
        query = validated(AuditQuerySerializer, self.request.query_params)
        return selectors.audit_list(action=query.get("action"), target=query.get("target"))

"""Views of the Celery cluster: the health report (anyone), and for staff the workers
(API.md: workers/, flower-info/), their admin actions and the audit trail.

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
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cluster import queues, selectors, services
from cluster.api.serializers import (
    TASK_ACTION_BODIES,
    WORKER_ACTION_BODIES,
    ActionResultSerializer,
    AuditQuerySerializer,
    AuditRecordSerializer,
    WorkersQuerySerializer,
)
from cluster.health import health_report, readiness_report
from cluster.models import AuditRecord
from config.api.inputs import request_user, validated
from config.api.pagination import Pagination
from task_manager.api.serializers import is_registered_task

STATUS_BY_FAILURE = {
    "unknown": status.HTTP_404_NOT_FOUND,
    "refused": status.HTTP_409_CONFLICT,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


class HealthView(APIView):
    """GET /api/health/: no authentication; always 200, the body says what is down."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(health_report())


class LiveView(APIView):
    """GET /api/health/live/: 200 whenever the process answers; it reads nothing."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, "The process answers.")})
    def get(self, request: Request) -> Response:
        return Response({"status": "alive"})


class ReadyView(APIView):
    """GET /api/health/ready/: 200 when the database, the channel layer and the broker
    answer; 503 naming the parts that do not (within about 1.5 s either way)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={
        200: OpenApiResponse(OpenApiTypes.OBJECT, "Every part answered."),
        503: OpenApiResponse(OpenApiTypes.OBJECT, "A part did not; `failing` names it."),
    })  # fmt: skip
    def get(self, request: Request) -> Response:
        report = readiness_report()
        ready = not report["failing"]
        return Response(report, status=200 if ready else status.HTTP_503_SERVICE_UNAVAILABLE)


class IsStaff(BasePermission):
    message = "Only staff may see and control the workers."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(getattr(request.user, "is_staff", False))


class StaffView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsStaff]


# --- reads -------------------------------------------------------------------------------------


class WorkersView(StaffView):
    """GET workers/: every worker, from Flower or, when it is down, from Celery's inspect."""

    @extend_schema(parameters=[WorkersQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = validated(WorkersQuerySerializer, request.query_params)
        return Response(selectors.cluster_workers(refresh=query["refresh"]))


class FlowerInfoView(StaffView):
    """GET flower-info/: Flower's reachability and version, the dashboard URL, totals."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(selectors.cluster_overview())


# --- actions -----------------------------------------------------------------------------------


ACTION_RESPONSES = {
    200: ActionResultSerializer,
    400: OpenApiResponse(description="Invalid parameters (per field)."),
    404: OpenApiResponse(description="Unknown worker, task or action."),
    409: OpenApiResponse(description="The worker refused (audited)."),
    503: OpenApiResponse(description="Flower is unavailable (audited)."),
}


class ClusterActionView(StaffView):
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


# --- queues ------------------------------------------------------------------------------------


class QueueListView(StaffView):
    """GET queues/: every queue's length, oldest message age, consumers, pause, executions."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response(queues.queue_list())


QUEUE_ACTIONS = {"pause": queues.queue_pause, "resume": queues.queue_resume}


class QueueActionView(StaffView):
    """POST queues/<name>/pause/ and .../resume/ (no body): every worker stops, or starts
    again, consuming the queue; remembered for workers that start later; audited."""

    @extend_schema(
        request=None,
        responses={
            200: ActionResultSerializer,
            404: OpenApiResponse(description="Unknown queue or action."),
            503: OpenApiResponse(description="The broker is unreachable (audited)."),
        },
    )
    def post(self, request: Request, name: str, action: str) -> Response:
        run = QUEUE_ACTIONS.get(action)
        if run is None:
            raise NotFound(f"Unknown action {action!r}; one of {', '.join(QUEUE_ACTIONS)}.")
        if name not in queues.known_queue_names(selectors.cluster_workers()["workers"]):
            raise NotFound(f"No queue is named {name!r}.")
        outcome = run(user=request_user(request), queue=name)
        record = outcome.record
        data = {
            "detail": record.result if record.ok else record.error,
            "audit": AuditRecordSerializer(record).data,
        }
        code = status.HTTP_200_OK if outcome.ok else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response(data, status=code)


# --- audit -------------------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[AuditQuerySerializer]))
class AuditListView(ListAPIView, StaffView):
    """GET audit/: the admin actions on the cluster, newest first."""

    serializer_class = AuditRecordSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[AuditRecord]:
        query = validated(AuditQuerySerializer, self.request.query_params)
        return selectors.audit_list(action=query.get("action"), target=query.get("target"))

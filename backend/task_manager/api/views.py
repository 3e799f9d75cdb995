"""The task API of API.md ("Task execution"): views only adapt HTTP to selectors and services.

Status codes beyond the obvious ones:
- cancel: 409 when the execution already finished; 403 (with the reason) when a force
  terminate is refused (non-staff caller, or before the grace period); 503 when the broker
  cannot be reached to revoke;
- launch: a disabled template is a 404 for non-staff (they cannot see it) and a 400 for staff;
  202 (not 201) when the execution is stored but the broker did not take it: it is sent later;
- retry: 201 with the new execution; 409 when the execution is not a finished FAILURE or
  REVOKED one, or its module cannot re-run it (the reason in `detail`);
- bulk: 202 with the bulk job's execution; 403 for a non-staff `delete`;
- every malformed input (query string or body) is a 400 with per-field `errors`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ModelViewSet

from cluster.selectors import execution_flower_view
from config.api.errors import BrokerUnavailable, Conflict
from config.api.etags import etag_matches, execution_etag, with_cache_headers
from config.api.inputs import request_user, validated
from config.api.pagination import ChoicePagination, Pagination
from task_manager import payloads, selectors
from task_manager.api import serializers as s
from task_manager.api.filters import (
    ExecutionFilterBackend,
    ExecutionFilterSerializer,
    filter_executions,
)
from task_manager.bulk import STAFF_ACTIONS, executions_bulk_launch
from task_manager.launchers import template_launch
from task_manager.launching import (
    CancelNotAllowed,
    ExecutionFinished,
    execution_cancel,
    execution_waits_for_broker,
)
from task_manager.models import TaskExecution, TaskNotification, TaskTemplate
from task_manager.notifications import notifications_mark_read
from task_manager.retries import RetryNotAllowed, execution_retry

FACETS = ("status", "module", "name", "kind")


class VisibleExecutionsView(GenericAPIView):
    """Executions the caller may see: staff all, users their own; others are 404s."""

    def get_queryset(self) -> QuerySet[TaskExecution]:
        return selectors.execution_visible_to(user=request_user(self.request))


# --- executions --------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(parameters=[ExecutionFilterSerializer]))
class ExecutionListView(ListAPIView, VisibleExecutionsView):
    """GET executions/: the visible executions, filtered and paginated."""

    serializer_class = s.ExecutionSerializer
    filter_backends = [ExecutionFilterBackend]
    pagination_class = ChoicePagination


@extend_schema_view(get=extend_schema(parameters=[ExecutionFilterSerializer]))
class ExecutionChildrenView(ListAPIView, VisibleExecutionsView):
    """GET executions/{id}/children/: a visible execution's children, with the list's
    filters and paging (oldest first unless `ordering`)."""

    serializer_class = s.ExecutionSerializer
    filter_backends = [ExecutionFilterBackend]
    pagination_class = ChoicePagination

    def get_queryset(self) -> QuerySet[TaskExecution]:
        user = request_user(self.request)
        parent = selectors.execution_visible_to(user=user).filter(pk=self.kwargs["pk"]).first()
        if parent is None:
            raise NotFound()
        return selectors.execution_children(parent=parent, user=user)


class ExecutionCountsView(VisibleExecutionsView):
    """GET executions/counts/: status, module and task-name counts of the list's filters."""

    @extend_schema(parameters=[ExecutionFilterSerializer], responses=s.FacetCountsSerializer)
    def get(self, request: Request) -> Response:
        filters = validated(ExecutionFilterSerializer, request.query_params, request=request)
        filters.pop("ordering", None)
        visible = self.get_queryset()
        # Each facet with the other filters applied, not its own: a selected status still
        # shows the counts of the other statuses (one GROUP BY query per facet).
        counts = {
            facet: selectors.execution_counts_by(
                queryset=filter_executions(visible, **{**filters, facet: None}), field=facet
            )
            for facet in FACETS
        }
        return Response(counts)


class ExecutionRetryView(VisibleExecutionsView):
    """POST executions/{id}/retry/: send a failed or cancelled execution's task again."""

    @extend_schema(
        request=None,
        responses={
            201: s.ExecutionSerializer,
            400: OpenApiResponse(description="A module's launcher refused the params again."),
            404: OpenApiResponse(description="Not visible to the caller."),
            409: OpenApiResponse(description="Not a finished FAILURE or REVOKED execution."),
            429: OpenApiResponse(description="Past the module's launch rate; see Retry-After."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        validated(s.EmptyBodySerializer, request.data)
        execution = self.get_object()
        try:
            retry = execution_retry(execution=execution, by=request_user(request))
        except RetryNotAllowed as exc:
            raise Conflict(str(exc)) from exc
        location = reverse("execution-detail", kwargs={"pk": retry.pk})
        return Response(
            s.ExecutionSerializer(retry).data, status=status.HTTP_201_CREATED,
            headers={"Location": location},
        )  # fmt: skip


class ExecutionBulkView(VisibleExecutionsView):
    """POST executions/bulk/: cancel, retry or delete (staff) many executions, as a job."""

    @extend_schema(
        request=s.BulkSerializer,
        responses={
            202: OpenApiResponse(s.ExecutionSerializer, description="The bulk job."),
            403: OpenApiResponse(description="delete by a non-staff user."),
        },
    )
    def post(self, request: Request) -> Response:
        body = validated(s.BulkSerializer, request.data, request=request)
        user = request_user(request)
        if body["action"] in STAFF_ACTIONS and not user.is_staff:
            raise PermissionDenied(f"Only staff may {body['action']} executions.")
        ids, asked = self.targets(body)
        job = executions_bulk_launch(user=user, action=body["action"], ids=ids, asked=asked)
        location = reverse("execution-detail", kwargs={"pk": job.pk})
        return Response(
            s.ExecutionSerializer(job).data, status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )  # fmt: skip

    def targets(self, body: dict[str, Any]) -> tuple[list[int], dict[str, Any]]:
        """The visible executions asked for, and what was asked (for the audit)."""
        visible = self.get_queryset().select_related(None).order_by("pk")
        if "ids" in body:
            ids = list(visible.filter(pk__in=body["ids"]).values_list("pk", flat=True))
            return ids, {"ids": body["ids"]}
        limit = settings.TASKPULSE_BULK_MAX
        matching = filter_executions(visible, **{**body["filter"], "ordering": None})
        ids = list(matching.order_by("pk").values_list("pk", flat=True)[: limit + 1])
        if len(ids) > limit:
            raise ValidationError(
                {"filter": [f"Matches more than {limit} executions; narrow it down."]}
            )
        return ids, {"filter": dict(self.request.data)["filter"]}


@extend_schema_view(
    get=extend_schema(
        parameters=[s.DetailQuerySerializer],
        responses={200: s.ExecutionDetailSerializer, 304: OpenApiResponse()},
    )
)
class ExecutionDetailView(RetrieveAPIView, VisibleExecutionsView):
    """GET executions/{id}/ with an ETag from `seq`; If-None-Match answers 304 cheaply.

    Under ASGI, config.api.polls answers most 304s before they get here, and runs this view
    for the other GETs on its long-lived thread.
    """

    serializer_class = s.ExecutionDetailSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match:
            seq = selectors.execution_seq_visible_to(
                user=request_user(request), execution_id=kwargs["pk"]
            )
            if seq is None:
                raise NotFound()
            etag = execution_etag(kwargs["pk"], seq)
            if etag_matches(if_none_match, etag):
                return with_cache_headers(Response(status=status.HTTP_304_NOT_MODIFIED), etag)
        query = validated(s.DetailQuerySerializer, request.query_params)
        execution = self.get_object()
        data = self.get_serializer(execution).data
        # On demand only: a cache or Flower round trip (bounded by FLOWER_TIMEOUT) would be
        # most of a poll's cost. Not in execution_data (the WebSocket shape).
        flower = execution_flower_view(task_id=execution.task_id) if query["include"] else None
        if flower is not None:
            data["flower"] = flower
        return with_cache_headers(Response(data), execution_etag(execution.pk, execution.seq))


class ExecutionLogsView(VisibleExecutionsView):
    """GET executions/{id}/logs/?after_seq=N&limit=M: log lines after a seq, oldest first."""

    @extend_schema(parameters=[s.LogQuerySerializer], responses=s.LogPageSerializer)
    def get(self, request: Request, pk: int) -> Response:
        execution = self.get_object()
        query = validated(s.LogQuerySerializer, request.query_params)
        lines = list(
            selectors.execution_log_lines(
                execution_id=execution.pk, after_seq=query["after_seq"], limit=query["limit"] + 1
            )
        )
        page = lines[: query["limit"]]
        return Response({
            "lines": [payloads.log_line_data(line) for line in page],
            "last_seq": page[-1].seq if page else query["after_seq"],
            "has_more": len(lines) > len(page),
        })  # fmt: skip


class ExecutionCancelView(VisibleExecutionsView):
    """POST cancel/{id}/ (body optional: {"force": true})."""

    @extend_schema(
        request=s.CancelSerializer,
        responses={
            202: s.CancelResultSerializer,
            403: OpenApiResponse(description="Force terminate refused."),
            404: OpenApiResponse(description="Not visible to the caller."),
            409: OpenApiResponse(description="Already finished."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        execution = self.get_object()
        body = validated(s.CancelSerializer, request.data)
        try:
            outcome = execution_cancel(execution, by=request_user(request), force=body["force"])
        except ExecutionFinished as exc:
            raise Conflict(str(exc)) from exc
        except CancelNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except TaskExecution.DoesNotExist as exc:
            raise NotFound() from exc
        except (BrokerError, OSError) as exc:
            raise BrokerUnavailable() from exc
        return Response({"status": outcome}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(get=extend_schema(parameters=[s.UserTasksQuerySerializer]))
class UserTasksView(ListAPIView):
    """GET user-tasks/: the caller's own executions, active first, newest first."""

    serializer_class = s.ExecutionSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[TaskExecution]:
        query = validated(s.UserTasksQuerySerializer, self.request.query_params)
        return selectors.execution_list_for_user(
            user=request_user(self.request), module=query.get("module") or None
        )


class StatsView(VisibleExecutionsView):
    """GET stats/?module=&days=7: per-module statistics of the visible executions."""

    @extend_schema(parameters=[s.StatsQuerySerializer], responses=s.StatsSerializer)
    def get(self, request: Request) -> Response:
        query = validated(s.StatsQuerySerializer, request.query_params)
        modules = query.get("module") or None
        queryset = self.get_queryset()
        if not query["include_children"]:
            queryset = queryset.filter(parent__isnull=True)
        if modules:
            queryset = queryset.filter(module__in=modules)
        stats = selectors.execution_stats(queryset=queryset, days=query["days"], modules=modules)
        return Response({"days": query["days"], "modules": stats})


# --- templates ---------------------------------------------------------------------------


class IsStaffOrReadOnly(BasePermission):
    message = "Only staff may change task templates."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(getattr(request.user, "is_staff", False))


class TemplateViewSet(ModelViewSet):
    """Task templates: everyone reads the enabled ones, staff write; users launch."""

    serializer_class = s.TemplateSerializer
    pagination_class = Pagination

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "launch":
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsStaffOrReadOnly()]

    def get_queryset(self) -> QuerySet[TaskTemplate]:
        queryset = TaskTemplate.objects.all()
        if not getattr(self.request.user, "is_staff", False):
            queryset = queryset.filter(enabled=True)
        module = self.request.query_params.get("module")
        return queryset.filter(module=module) if module else queryset

    @extend_schema(
        request=s.TemplateLaunchSerializer,
        responses={
            201: s.ExecutionSerializer,
            202: OpenApiResponse(
                s.ExecutionSerializer,
                description="Stored; the broker is down: it is sent when the broker is back.",
            ),
            400: OpenApiResponse(description="Bad params."),
            429: OpenApiResponse(description="Past the module's launch rate; see Retry-After."),
        },
    )
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str | None = None) -> Response:
        """Launch the template's task with its default params merged with `params`."""
        template = self.get_object()
        params = validated(s.TemplateLaunchSerializer, request.data, template=template)["params"]
        execution = template_launch(template=template, user=request_user(request), params=params)
        location = reverse("execution-detail", kwargs={"pk": execution.pk})
        data = s.ExecutionSerializer(execution).data
        # Stored but not sent (the broker is down): accepted, recovery sends it later.
        waiting = execution_waits_for_broker(execution)
        code = status.HTTP_202_ACCEPTED if waiting else status.HTTP_201_CREATED
        return Response(data, status=code, headers={"Location": location})


# --- notifications -----------------------------------------------------------------------


class OwnNotificationsView(GenericAPIView):
    def get_queryset(self) -> QuerySet[TaskNotification]:
        return selectors.notification_list(user=request_user(self.request))


@extend_schema_view(get=extend_schema(parameters=[s.NotificationQuerySerializer]))
class NotificationListView(ListAPIView):
    """GET notifications/?unread=true: the caller's notifications, newest first."""

    serializer_class = s.NotificationSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[TaskNotification]:
        query = validated(s.NotificationQuerySerializer, self.request.query_params)
        return selectors.notification_list(user=request_user(self.request), unread=query["unread"])


class NotificationUnreadCountView(GenericAPIView):
    @extend_schema(responses=s.CountSerializer)
    def get(self, request: Request) -> Response:
        count = selectors.notification_list(user=request_user(request), unread=True).count()
        return Response({"count": count})


class NotificationReadView(OwnNotificationsView):
    """POST notifications/{id}/read/: mark one of the caller's notifications read."""

    @extend_schema(request=None, responses=s.NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        validated(s.EmptyBodySerializer, request.data)
        notification = self.get_object()
        notifications_mark_read(user=request_user(request), ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAllView(GenericAPIView):
    """POST notifications/read-all/: mark every unread notification of the caller read."""

    @extend_schema(request=None, responses=s.UpdatedSerializer)
    def post(self, request: Request) -> Response:
        validated(s.EmptyBodySerializer, request.data)
        updated = notifications_mark_read(user=request_user(request))
        return Response({"updated": updated})

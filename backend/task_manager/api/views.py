"""The task API of API.md ("Task execution"): views only adapt HTTP to selectors and services.

Status codes beyond the obvious ones:
- cancel: 409 when the execution already finished; 403 (with the reason) when a force
  terminate is refused (non-staff caller, or before the grace period); 503 when the broker
  cannot be reached to revoke;
- launch: a disabled template is a 404 for non-staff (they cannot see it) and a 400 for staff;
- every malformed input (query string or body) is a 400 with per-field `errors`.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import (  # type: ignore[attr-defined]  # missing from the stubs
    FormParser,
    JSONParser,
    MultiPartParser,
    get_encoding,
)
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.json import strict_constant
from rest_framework.viewsets import ModelViewSet

from cluster.selectors import execution_flower_view
from task_manager import launchers, payloads, selectors, services
from task_manager.api import serializers as s
from task_manager.api.filters import (
    ExecutionFilterBackend,
    ExecutionFilterSerializer,
    filter_executions,
)
from task_manager.api.polls import CACHE_CONTROL, VARY, etag_matches, execution_etag
from task_manager.models import TaskExecution, TaskNotification, TaskTemplate

# --- shared plumbing ---------------------------------------------------------------------


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class BrokerUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task broker cannot be reached; try again shortly."
    default_code = "broker_unavailable"


def finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


class JSONBodyParser(JSONParser):
    """JSON bodies; malformed JSON or an out-of-range number is a 400 with `errors`."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = get_encoding(parser_context or {})
        try:
            reader = codecs.getreader(encoding)(stream)
            return json.load(reader, parse_constant=strict_constant, parse_float=finite_float)
        except (ValueError, RecursionError) as exc:
            message = f"Malformed JSON body: {str(exc)[:200]}"
            raise ValidationError({"non_field_errors": [message]}) from exc


BODY_PARSERS = [JSONBodyParser, FormParser, MultiPartParser]


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def request_user(request: Request) -> User:
    # Every view here requires authentication, so the user is a real account.
    return cast(User, request.user)


def validated(serializer_class: type[Serializer], data: Any, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


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
    pagination_class = Pagination


@extend_schema_view(
    get=extend_schema(responses={200: s.ExecutionDetailSerializer, 304: OpenApiResponse()})
)
class ExecutionDetailView(RetrieveAPIView, VisibleExecutionsView):
    """GET executions/{id}/ with an ETag from `seq`; If-None-Match answers 304 cheaply.

    Under ASGI, api.polls answers most 304s before they get here.
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
                return self.cache_headers(Response(status=status.HTTP_304_NOT_MODIFIED), etag)
        execution = self.get_object()
        data = self.get_serializer(execution).data
        # Bounded by FLOWER_TIMEOUT and cached; not in execution_data (the WebSocket shape).
        flower = execution_flower_view(task_id=execution.task_id)
        if flower is not None:
            data["flower"] = flower
        return self.cache_headers(Response(data), execution_etag(execution.pk, execution.seq))

    def cache_headers(self, response: Response, etag: str) -> Response:
        response["ETag"] = etag
        response["Cache-Control"] = CACHE_CONTROL
        patch_vary_headers(response, VARY)
        return response


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

    parser_classes = BODY_PARSERS

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
            outcome = services.execution_cancel(
                execution, by=request_user(request), force=body["force"]
            )
        except services.ExecutionFinished as exc:
            raise Conflict(str(exc)) from exc
        except services.CancelNotAllowed as exc:
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
        if modules:
            queryset = queryset.filter(module__in=modules)
        stats = selectors.execution_stats(queryset=queryset, days=query["days"], modules=modules)
        return Response({"days": query["days"], "modules": stats})


# --- export ------------------------------------------------------------------------------


class Echo:
    """A file-like object whose write() returns the line, so csv can feed a stream."""

    def write(self, value: str) -> str:
        return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Spreadsheets run cells starting with = + - @ as formulas: quote such text."""
    return {
        key: f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) else value
        for key, value in row.items()
    }


def batched(lines: Iterable[str], size: int = 200) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def csv_lines(executions: Iterable[TaskExecution]) -> Iterator[str]:
    writer = csv.DictWriter(Echo(), fieldnames=s.EXPORT_COLUMNS)
    yield writer.writeheader()
    for execution in executions:
        yield writer.writerow(csv_safe(s.export_row(execution)))


def json_lines(executions: Iterable[TaskExecution]) -> Iterator[str]:
    separator = "\n"
    yield "["
    for execution in executions:
        yield separator + json.dumps(s.export_row(execution))
        separator = ",\n"
    yield "\n]\n"


def streamed(chunks: Iterator[str], request: Request) -> Iterator[str] | AsyncIterator[str]:
    """Under ASGI, pull each chunk in the request's sync thread (where its DB cursor lives)
    instead of letting Django buffer the whole sync iterator in memory."""
    if not isinstance(request._request, ASGIRequest):
        return chunks

    def next_chunk() -> str | None:
        return next(chunks, None)

    async def pump() -> AsyncIterator[str]:
        while (chunk := await sync_to_async(next_chunk, thread_sensitive=True)()) is not None:
            yield chunk

    return pump()


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class ExecutionExportView(VisibleExecutionsView):
    """GET executions/export/?format=csv|json with the list's filters, streamed."""

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # `?format=` names the file type here, not a DRF renderer; errors stay JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        parameters=[s.ExportQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = validated(s.ExportQuerySerializer, request.query_params, request=request)
        kind = query.pop("format")
        executions = filter_executions(self.get_queryset(), **query).iterator(chunk_size=500)
        lines = csv_lines(executions) if kind == "csv" else json_lines(executions)
        response = StreamingHttpResponse(
            streamed(batched(lines), request), content_type=EXPORT_TYPES[kind]
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="executions-{stamp}.{kind}"'
        return response


# --- templates ---------------------------------------------------------------------------


class IsStaffOrReadOnly(BasePermission):
    message = "Only staff may change task templates."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(getattr(request.user, "is_staff", False))


class TemplateViewSet(ModelViewSet):
    """Task templates: everyone reads the enabled ones, staff write; users launch."""

    serializer_class = s.TemplateSerializer
    pagination_class = Pagination
    parser_classes = BODY_PARSERS

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
        responses={201: s.ExecutionSerializer, 400: OpenApiResponse(description="Bad params.")},
    )
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str | None = None) -> Response:
        """Launch the template's task with its default params merged with `params`."""
        template = self.get_object()
        # A module's registered launcher validates the params and launches its own way.
        launcher = launchers.launcher_for(template.task_name)
        params = validated(
            s.TemplateLaunchSerializer, request.data, template=template, launcher=launcher
        )["params"]
        if launcher is not None:
            execution = launchers.launch_with(
                launcher, user=request_user(request), params=params, template=template
            )
        else:
            execution = services.execution_launch(
                task=template.task_name, user=request_user(request), kwargs=params,
                template=template, title=template.name, params=params,
            )  # fmt: skip
        location = reverse("execution-detail", kwargs={"pk": execution.pk})
        data = s.ExecutionSerializer(execution).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})


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

    parser_classes = BODY_PARSERS

    @extend_schema(request=None, responses=s.NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        validated(s.EmptyBodySerializer, request.data)
        notification = self.get_object()
        services.notifications_mark_read(user=request_user(request), ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAllView(GenericAPIView):
    """POST notifications/read-all/: mark every unread notification of the caller read."""

    parser_classes = BODY_PARSERS

    @extend_schema(request=None, responses=s.UpdatedSerializer)
    def post(self, request: Request) -> Response:
        validated(s.EmptyBodySerializer, request.data)
        updated = services.notifications_mark_read(user=request_user(request))
        return Response({"updated": updated})

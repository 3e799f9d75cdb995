"""GET executions/export/?format=csv|json: the visible executions, with the list's
filters, streamed a few hundred rows at a time instead of built in memory."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from config.api.inputs import validated
from task_manager import payloads, redaction
from task_manager.api import serializers as s
from task_manager.api.filters import filter_executions
from task_manager.api.views import VisibleExecutionsView
from task_manager.models import TaskExecution

EXPORT_COLUMNS = [
    "id", "task_id", "name", "module", "title", "user", "status", "progress",
    "processed_items", "failed_items", "total_items", "created_at", "started_at",
    "finished_at", "duration", "error", "parent_id", "retry_of", "params", "args", "kwargs",
]  # fmt: skip
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_row(execution: TaskExecution) -> dict[str, Any]:
    """One execution as a flat export row (CSV columns, JSON object keys)."""
    user = execution.user
    arguments = redaction.arguments_data(execution.args, execution.kwargs)
    return {
        "id": execution.pk,
        "task_id": execution.task_id,
        "name": execution.name,
        "module": execution.module,
        "title": execution.title,
        "user": user.get_username() if user else "",
        "status": execution.status,
        "progress": execution.progress,
        "processed_items": execution.processed_items,
        "failed_items": execution.failed_items,
        "total_items": execution.total_items,
        "created_at": payloads.iso(execution.created_at),
        "started_at": payloads.iso(execution.started_at),
        "finished_at": payloads.iso(execution.finished_at),
        "duration": payloads.execution_duration(execution),
        "error": execution.error,
        "parent_id": execution.parent_id,
        "retry_of": execution.retry_of_id,
        "params": redaction.redacted(execution.params),
        **{key: arguments[key] for key in ("args", "kwargs")},
    }


class ExecutionExportView(VisibleExecutionsView):
    """GET executions/export/?format=csv|json with the list's filters, streamed."""

    pagination_class = None  # every matching execution, in one file

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
            (200, "application/json"): s.ExportRowSerializer(many=True),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = validated(s.ExportQuerySerializer, request.query_params, request=request)
        kind = query.pop("format")
        executions = filter_executions(self.get_queryset(), **query).iterator(chunk_size=500)
        lines = _csv_lines(executions) if kind == "csv" else _json_lines(executions)
        response = StreamingHttpResponse(
            _streamed(_batched(lines), request), content_type=EXPORT_TYPES[kind]
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="executions-{stamp}.{kind}"'
        return response


class _Echo:
    """A file-like object whose write() returns the line, so csv can feed a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_safe(row: dict[str, Any]) -> dict[str, Any]:
    """Spreadsheets run cells starting with = + - @ as formulas: quote such text. Objects
    and lists (params, args, kwargs) are written as JSON text."""
    return {key: _csv_cell(value) for key, value in row.items()}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return f"'{value}"
    return value


def _csv_lines(executions: Iterable[TaskExecution]) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_COLUMNS)
    yield writer.writeheader()
    for execution in executions:
        yield writer.writerow(_csv_safe(export_row(execution)))


def _json_lines(executions: Iterable[TaskExecution]) -> Iterator[str]:
    separator = "\n"
    yield "["
    for execution in executions:
        yield separator + json.dumps(export_row(execution))
        separator = ",\n"
    yield "\n]\n"


def _batched(lines: Iterable[str], size: int = 200) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _streamed(chunks: Iterator[str], request: Request) -> Iterator[str] | AsyncIterator[str]:
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

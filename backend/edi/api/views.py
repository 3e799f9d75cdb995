"""The EDI API: views adapt HTTP to edi.selectors and edi.services.

- POST imports/ (multipart `files`): 202 {"success", "job_id", "execution_id"}; 400 with one
  message per bad file (type, size) or for too many files; 413 over the size of one upload
  or the user's storage quota (edi.uploads); 409 with the running job's id while an import
  of the same scope (the user's, or everybody's) runs.
- GET imports/ and imports/{job_id}/: the caller's own (staff: all), others are 404s; the
  detail is seed 002's progress shape plus the per-file results.
- GET invoices/ (search, supplier, currency, issued_after/before, job_id, ordering),
  invoices/{id}/, suppliers/, info/.
Cancel is the platform's: POST /api/tasks/cancel/{execution_id}/.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files import File
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import PayloadTooLarge
from config.api.inputs import request_user, validated
from config.api.pagination import Pagination
from edi import payloads, selectors, services, uploads
from edi.api import serializers as s
from edi.models import Import, Invoice, Supplier
from edi.parsers import supported

# Multipart framing around the files: boundaries and part headers, generously.
MULTIPART_SLACK = 1024 * 1024


def uploaded_files(request: Request) -> list[File]:
    """The uploaded files; a body plainly over the per-upload size is refused unread."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES
    if declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        raise PayloadTooLarge({"files": [uploads.request_size_problem(int(declared))]})
    try:
        return [*request.FILES.getlist("files"), *request.FILES.getlist("files[]")]
    except (TooManyFilesSent, RequestDataTooBig):
        limit = settings.TASKPULSE_EDI_MAX_FILES
        raise ValidationError({"files": [f"Too many files; at most {limit}."]}) from None


@extend_schema_view(get=extend_schema(parameters=[s.ImportQuerySerializer]))
class ImportListCreateView(ListAPIView):
    """GET: the visible imports, newest first; POST: upload files and import them."""

    serializer_class = s.ImportSerializer
    pagination_class = Pagination
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Import]:
        query = validated(s.ImportQuerySerializer, self.request.query_params)
        return selectors.import_list(user=request_user(self.request), active=query["active"])

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"files": {
            "type": "array", "items": {"type": "string", "format": "binary"}}}}},
        responses={
            202: s.LaunchedSerializer,
            400: OpenApiResponse(description="No file, too many, or bad ones (one message each)."),
            409: s.RunningSerializer,
            413: OpenApiResponse(description="Over the size of an upload, or the user's quota."),
        },
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        files = uploaded_files(request)
        problems = services.upload_problems(files)
        if problems:
            raise ValidationError({"files": problems})
        if too_large := uploads.request_size_problem(uploads.upload_bytes(files)):
            raise PayloadTooLarge({"files": [too_large]})
        try:
            batch = services.import_create(user=request_user(request), files=files)
        except services.ImportRunning as running:
            body = running_data(running.running, user=request_user(request))
            return Response(body, status=status.HTTP_409_CONFLICT)
        except uploads.UploadTooLarge as over_quota:
            raise PayloadTooLarge({"files": [str(over_quota)]}) from None
        location = reverse("edi-import-detail", kwargs={"job_id": batch.job_id})
        body = {
            "success": True, "job_id": str(batch.job_id), "execution_id": batch.execution_id,
            "files": batch.files_total, "message": f"Import of {batch.files_total} files started",
        }  # fmt: skip
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


def running_data(running: Import, *, user: User) -> dict[str, Any]:
    """The 409's body: the running import, unless it is another user's (global lock scope),
    which is not named."""
    if not selectors.import_is_visible(running, user=user):
        return {"detail": "Another user's import is running (one import at a time for "
                          "everybody here); try again when it ends.",
                "job_id": None, "execution_id": None}  # fmt: skip
    return {
        "detail": "An import is already running; wait for it to finish.",
        "job_id": str(running.job_id),
        "execution_id": running.execution_id,
    }


class ImportDetailView(GenericAPIView):
    """GET imports/{job_id}/: seed 002's progress shape, the counts and every file's result."""

    @extend_schema(responses={200: s.ImportDetailSerializer, 404: OpenApiResponse()})
    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        batch = selectors.import_by_job_id(user=request_user(request), job_id=job_id)
        if batch is None:
            raise NotFound()
        files = list(selectors.import_files(batch=batch))
        response = Response(payloads.import_detail_data(batch, files))
        patch_cache_control(response, private=True, no_cache=True)
        return response


@extend_schema_view(get=extend_schema(parameters=[s.InvoiceQuerySerializer]))
class InvoiceListView(ListAPIView):
    """GET invoices/: the invoices of the visible imports, searchable and filtered."""

    serializer_class = s.InvoiceSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Invoice]:
        filters = validated(s.InvoiceQuerySerializer, self.request.query_params)
        return selectors.invoice_list(user=request_user(self.request), filters=filters)


class InvoiceDetailView(GenericAPIView):
    """GET invoices/{id}/ with its lines."""

    @extend_schema(responses={200: s.InvoiceDetailSerializer, 404: OpenApiResponse()})
    def get(self, request: Request, pk: int) -> Response:
        invoice = selectors.invoice_detail(user=request_user(request), pk=pk)
        if invoice is None:
            raise NotFound()
        return Response(payloads.invoice_detail_data(invoice))


class SupplierListView(ListAPIView):
    """GET suppliers/: the suppliers of the invoices the caller sees (for filters)."""

    serializer_class = s.SupplierSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet[Supplier]:
        return selectors.supplier_list(user=request_user(self.request))


class EdiInfoView(GenericAPIView):
    """GET info/: the upload limits, the lock scope and the message types read."""

    @extend_schema(responses={200: OpenApiResponse(description="Limits and message types.")})
    def get(self, request: Request) -> Response:
        user = request_user(request)
        running = services.import_running(user=user)
        if running is not None and not selectors.import_is_visible(running, user=user):
            running = None  # another user's (global lock scope): not named
        return Response({
            "max_files": settings.TASKPULSE_EDI_MAX_FILES,
            "max_file_bytes": settings.TASKPULSE_EDI_MAX_FILE_BYTES,
            "max_upload_bytes": settings.TASKPULSE_EDI_MAX_UPLOAD_BYTES,
            "quota_bytes": settings.TASKPULSE_EDI_USER_QUOTA_BYTES,
            "stored_bytes": uploads.stored_bytes(user_id=user.pk),
            "extensions": [f".{e.lstrip('.')}" for e in settings.TASKPULSE_EDI_EXTENSIONS],
            "lock_scope": settings.TASKPULSE_EDI_LOCK_SCOPE,
            "message_types": supported(),
            "running_job_id": str(running.job_id) if running is not None else None,
        })  # fmt: skip

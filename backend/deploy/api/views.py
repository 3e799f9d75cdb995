"""The deploy API: views adapt HTTP to deploy.selectors and deploy.services.

- POST deployments/: 202 (the work is queued, not done); 400 with per-field errors; 429 with
  Retry-After past TASKPULSE_DEPLOY_RATE launches per user.
- GET deployments/ and deployments/{id}/: the caller's own (staff: all); others are 404s.
- GET /deploy/ajax/task-progress/<task_id>/: seed 000's polling endpoint, from the execution.
Cancel is the platform's: POST /api/tasks/cancel/{execution_id}/.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from config.api.inputs import request_user, validated
from config.api.pagination import Pagination
from deploy import payloads, selectors, services
from deploy.api import serializers as s
from deploy.api.throttles import DeployLaunchThrottle
from deploy.models import DeploymentHistory
from deploy.providers import configured_provider, provider_class
from deploy.steps import STEPS, TOTAL_STEPS


class VisibleDeploymentsView(GenericAPIView):
    """Deployments the caller may see: staff all, users their own."""

    def get_queryset(self) -> QuerySet[DeploymentHistory]:
        return selectors.deployment_visible_to(user=request_user(self.request))


@extend_schema_view(get=extend_schema(parameters=[s.DeploymentQuerySerializer]))
class DeploymentListCreateView(ListAPIView):
    """GET: the visible deployments, newest first; POST: launch one."""

    serializer_class = s.DeploymentSerializer
    pagination_class = Pagination

    def get_throttles(self) -> list[BaseThrottle]:
        return [DeployLaunchThrottle()] if self.request.method == "POST" else []

    def get_queryset(self) -> QuerySet[DeploymentHistory]:
        query = validated(s.DeploymentQuerySerializer, self.request.query_params)
        return selectors.deployment_list(
            user=request_user(self.request), status=query.get("status")
        )

    @extend_schema(
        request=s.DeploymentCreateSerializer,
        responses={
            202: s.DeploymentLaunchedSerializer,
            400: OpenApiResponse(description="Invalid params, per field."),
            429: OpenApiResponse(description="Too many launches; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        params = validated(s.DeploymentCreateSerializer, request.data)
        history = services.deployment_create(user=request_user(request), params=params)
        location = reverse("deploy-deployment-detail", kwargs={"pk": history.pk})
        body = {
            "success": True, "task_id": history.celery_task_id, "history_id": history.pk,
            "execution_id": history.execution_id, "provider": history.provider,
            "message": "Deployment started",
        }  # fmt: skip
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class DeploymentDetailView(RetrieveAPIView, VisibleDeploymentsView):
    """GET deployments/{id}/ with its execution."""

    serializer_class = s.DeploymentSerializer


class DeployInfoView(GenericAPIView):
    """GET info/: which provider runs deployments here, the steps, the limits."""

    @extend_schema(responses={200: OpenApiResponse(description="Provider, steps and limits.")})
    def get(self, request: Request) -> Response:
        provider = configured_provider()
        info: dict[str, Any] = {
            "provider": provider,
            "provider_description": provider_class(provider).description,
            "total_steps": TOTAL_STEPS,
            "steps": [{"number": x.number, "title": x.title, "message": x.message} for x in STEPS],
            "max_retries": services.MAX_RETRIES,
            "rate": settings.TASKPULSE_DEPLOY_RATE,
        }
        if provider == "simulator":
            info["simulator_speed"] = settings.TASKPULSE_SIMULATOR_SPEED
        return Response(info)


class TaskProgressView(GenericAPIView):
    """GET /deploy/ajax/task-progress/<task_id>/ in seed 000's shape, for its scripts."""

    @extend_schema(responses={200: s.TaskProgressSerializer, 404: OpenApiResponse()})
    def get(self, request: Request, task_id: str) -> Response:
        history = selectors.deployment_by_task_id(user=request_user(request), task_id=task_id)
        if history is None:
            raise NotFound()
        response = Response(payloads.task_progress_data(history))
        patch_cache_control(response, private=True, no_cache=True)
        return response

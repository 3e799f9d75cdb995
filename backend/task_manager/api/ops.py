"""Operations views: failures grouped by cause (everyone, their own) and metrics over time
(staff: the rollups are not per user)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.inputs import request_user, validated
from task_manager import failures, metrics
from task_manager.api.views import VisibleExecutionsView


class FailuresQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(failures.RANGES), default="24h")
    group = serializers.RegexField(
        r"^[0-9a-f]{16}$", required=False,
        help_text="One group's key: answers that group with its execution ids.",
    )  # fmt: skip


class MetricsQuerySerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(metrics.RANGES), default="1h")
    module = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    name = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    queue = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")


class FailuresView(VisibleExecutionsView):
    """GET failures/?range=24h[&group=key]: failed executions grouped by cause; staff see
    everyone's (with the users affected), others their own."""

    @extend_schema(
        parameters=[FailuresQuerySerializer],
        responses={
            200: OpenApiTypes.OBJECT,
            404: OpenApiResponse(description="No such failure group in this range."),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated(FailuresQuerySerializer, request.query_params)
        groups = failures.failure_groups(executions=self.get_queryset(), range_name=query["range"])
        if query.get("group"):
            groups = [group for group in groups if group.key == query["group"]]
            if not groups:
                raise NotFound("No such failure group in this range.")
        staff = request_user(request).is_staff
        usernames = failures.usernames_of(groups) if staff else None
        with_ids = bool(query.get("group"))
        return Response({
            "range": query["range"],
            "total": sum(group.count for group in groups),
            "groups": [failures.failure_group_data(group, usernames=usernames, with_ids=with_ids)
                       for group in groups],
        })  # fmt: skip


class IsStaff(BasePermission):
    message = "Only staff may see the metrics of every task."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(getattr(request.user, "is_staff", False))


class MetricsView(VisibleExecutionsView):
    """GET metrics/?range=1h|24h|7d|30d&module=&name=&queue=: buckets and a per-task table."""

    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(parameters=[MetricsQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = validated(MetricsQuerySerializer, request.query_params)
        return Response(metrics.execution_metrics(
            range_name=query["range"], module=query["module"], name=query["name"],
            queue=query["queue"],
        ))  # fmt: skip

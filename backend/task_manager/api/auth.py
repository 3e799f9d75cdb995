"""Session and token authentication endpoints (browser and scripts).

Brute force is django-axes' job: its backend sees every authenticate() first and counts
the failures per client address and per username in the shared cache (Redis). The Nth
failure in a row locks the client out for TASKPULSE_LOGIN_LOCKOUT_SECONDS; its middleware
then answers that request, and every attempt of the window, with `lockout_response`.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address, get_cool_off
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from task_manager.api.serializers import UserSerializer


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def authenticate_credentials(request: Request) -> User:
    """Validate {"username", "password"}; a wrong pair is a 400 with a clear detail."""
    credentials = CredentialsSerializer(data=request.data)
    credentials.is_valid(raise_exception=True)
    # django-axes needs the HttpRequest: it reads the client address and flags a lockout on it.
    user = authenticate(request=request._request, **credentials.validated_data)
    if not isinstance(user, User):
        raise ValidationError({"non_field_errors": ["Wrong username or password."]})
    return user


def lockout_response(request: HttpRequest, *_: Any) -> JsonResponse:
    """AXES_LOCKOUT_CALLABLE: a locked-out login or token request is a 429 with Retry-After.

    The window is fixed (attempts during it do not extend it), so waiting Retry-After
    seconds, the whole window, is always enough.
    """
    window = get_cool_off(request)
    seconds = int(window.total_seconds()) if window is not None else 0
    response = JsonResponse(
        {"detail": f"Too many failed logins; try again in {seconds} seconds."}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Sets the csrftoken cookie that a browser sends back as X-CSRFToken."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={204: None})
    def get(self, request: Request) -> Response:
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator([csrf_protect, ensure_csrf_cookie], name="dispatch")
class LoginView(APIView):
    """Starts a session; CSRF-checked even for anonymous callers (no login CSRF)."""

    permission_classes = [AllowAny]

    @extend_schema(request=CredentialsSerializer, responses=UserSerializer)
    def post(self, request: Request) -> Response:
        user = authenticate_credentials(request)
        login(request._request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# DRF serializers cannot say "or null" at the top of a response: the User component, nullable.
NULLABLE_USER = {"allOf": [{"$ref": "#/components/schemas/User"}], "nullable": True}


class MeView(APIView):
    """The signed-in user, or null: asking who one is is no error (and logs none)."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: OpenApiResponse(NULLABLE_USER, description="The user, or null.")}
    )
    def get(self, request: Request) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return JsonResponse(None, safe=False)  # DRF would render None as an empty body
        return Response(UserSerializer(request.user).data)


class TokenView(APIView):
    """Exchanges a username and password for the user's API token."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request=CredentialsSerializer,
        responses=inline_serializer("Token", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        user = authenticate_credentials(request)
        # A session login's signal clears the client's failures (AXES_RESET_ON_SUCCESS);
        # a token is a login too, without that signal.
        axes_reset(ip=get_client_ip_address(request._request), username=user.get_username())
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

"""API-wide error shapes: every error is JSON with a human-readable `detail`."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with validation errors as {"detail", "errors": {field: [messages]}}.

    Django's own limits on a request body, met while DRF reads it, are JSON errors too
    (Django would answer them with an HTML 400).
    """
    exc = body_limit_error(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"detail": first_message(errors), "errors": errors}
    return response


def body_limit_error(exc: Exception) -> Exception:
    """Django's DATA_UPLOAD_MAX_* refusals as the API exceptions they mean."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(
            {"non_field_errors": [f"The request body is larger than {limit} bytes."]}
        )
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return ValidationError({"non_field_errors": [str(exc)]})
    return exc


def first_message(errors: Any) -> str:
    """A one-line summary of a nested DRF error structure, naming the first field."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = first_message(value)
            return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return first_message(errors[0])
    return str(errors) or "Invalid input."


class PayloadTooLarge(ValidationError):
    """413 in the shape of invalid input: {"detail", "errors": {field: [messages]}}."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class BrokerUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task broker cannot be reached; try again shortly."
    default_code = "broker_unavailable"

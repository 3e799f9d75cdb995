"""What OPTIONS answers (REST_FRAMEWORK["DEFAULT_METADATA_CLASS"]): always a 200.

DRF's SimpleMetadata describes a view's POST and PUT fields from its `serializer_class`;
on a view that reads its body without one (cancel, mark read, the cluster actions) it
failed with an AssertionError, a 500. Such a view is described without its fields.

DRF imports this module while it defines APIView: rest_framework.views and generics are
imported only when an OPTIONS request is answered.
"""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request


def declares_serializer(view: Any) -> bool:
    from rest_framework.generics import GenericAPIView

    overridden = type(view).get_serializer_class is not GenericAPIView.get_serializer_class
    return overridden or getattr(view, "serializer_class", None) is not None


class Metadata(SimpleMetadata):
    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        """Called for views with get_serializer(); the fields of POST and PUT, if declared."""
        if not declares_serializer(view):
            return {}
        return super().determine_actions(request, view)

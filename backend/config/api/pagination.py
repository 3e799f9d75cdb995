"""How every list endpoint pages: `?page=` and `?page_size=` up to 200."""

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ChoicePagination(Pagination):
    """A list whose page size is one of a few (the UI's choices): any other is a 400."""

    page_size_choices = (25, 50, 100, 200)

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        choices = ", ".join(str(size) for size in self.page_size_choices)
        if not raw.isdigit() or int(raw) not in self.page_size_choices:
            raise ValidationError({self.page_size_query_param: [f"One of {choices}."]})
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "enum": list(self.page_size_choices)}
                parameter["description"] = "Results per page: 25 (default), 50, 100 or 200."
        return parameters

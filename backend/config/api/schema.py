"""The error answers of the OpenAPI schema (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

Views document what is particular to them (409 for a finished execution, 429 for launches).
The errors any operation may give, in config.api.errors' one shape, are added here from
what the operation takes, so that the schema lists every status an endpoint answers
(test_fuzz_api checks it with schemathesis' status_code_conformance).
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, in one line."},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Invalid input only: the messages per field (`non_field_errors` "
            "for the body as a whole).",
        },
    },
    "required": ["detail"],
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def error_statuses(method: str, operation: dict[str, Any]) -> dict[str, str]:
    """The statuses `operation` may answer with an Error, and what each means there."""
    parameters = operation.get("parameters") or []
    takes_body = "requestBody" in operation
    authenticated = {} not in (operation.get("security") or [{}])
    session = any("cookieAuth" in scheme for scheme in operation.get("security") or [])
    statuses = {}
    if takes_body or any(p["in"] == "query" for p in parameters):
        statuses["400"] = "Invalid input: `errors` names each field at fault."
    if authenticated or (session and method in UNSAFE_METHODS):
        statuses["403"] = "Not signed in, not allowed, or a session without its CSRF token."
    if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
        statuses["404"] = "No such object visible to the caller, or no such page."
    if takes_body:
        statuses["413"] = "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE."
        statuses["415"] = "A body of a media type the endpoint does not read."
    return statuses


def document_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Called with the generated schema: adds the Error responses each operation lacks."""
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            for status, description in error_statuses(method, operation).items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result

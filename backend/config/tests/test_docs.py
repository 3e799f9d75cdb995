"""The documentation a user clones stays true to the product.

docs/API.md carries the public contract (shared/API.md, which only developers and CI have
beside the repository) plus what the product offers beyond it. These tests check that it
names every path of the OpenAPI schema, every endpoint of the contract when the contract is
at hand, and that the README and docs link only to files the repository holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from config.env import REPO_DIR

DOCS_API = REPO_DIR / "docs" / "API.md"
SHARED_API = REPO_DIR.parent / "shared" / "API.md"
README = REPO_DIR / "README.md"

METHOD = r"(?:GET|POST|PUT|PATCH|DELETE)"
# A path parameter, `{id}` or Django's `<int:pk>`, whatever its name: compared as `{}`.
PARAMETER = re.compile(r"\{[^}/]*\}|<[^>/]*>")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# "GET `executions/`" or "GET/PATCH/DELETE `templates/{id}/`", as in the endpoint tables.
TABLE_ENDPOINT = re.compile(rf"\b({METHOD}(?:/{METHOD})*) `([^`\s]+)`")
# "`POST /api/auth/login/`", as in running text.
SPAN_ENDPOINT = re.compile(rf"^({METHOD}) (/\S*)$")
# "Endpoints (all under `/api/tasks/`):" gives the prefix of relative paths until the next heading.
PREFIX = re.compile(r"\bunder `(/[^`\s]*)`")
# Markdown links and images: [text](target) and ![alt](target).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def normalized(path: str) -> str:
    """A path without its query string, every parameter reduced to `{}`."""
    return PARAMETER.sub("{}", path.split("?", 1)[0])


@dataclass
class Mentions:
    """The endpoints (method, path) and the paths a Markdown API document names."""

    endpoints: set[tuple[str, str]] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)

    def add(self, methods: str, path: str) -> None:
        self.paths.add(path)
        self.endpoints.update((method, path) for method in methods.split("/"))


def mentions(text: str) -> Mentions:
    found = Mentions()
    prefix = "/"
    for line in text.splitlines():
        if line.startswith("#"):
            prefix = "/"
        if match := PREFIX.search(line):
            prefix = match.group(1)
        for methods, path in TABLE_ENDPOINT.findall(line):
            found.add(methods, normalized(path if path.startswith("/") else prefix + path))
        for span in CODE_SPAN.findall(line):
            if match := SPAN_ENDPOINT.match(span):
                found.add(match.group(1), normalized(match.group(2)))
            elif span.startswith("/"):
                found.paths.add(normalized(span))
    return found


def documented() -> Mentions:
    return mentions(DOCS_API.read_text(encoding="utf-8"))


def schema_endpoints() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), normalized(path))
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_mentions_reads_tables_spans_and_prefixes() -> None:
    """The reader the checks below rely on finds what the documents write."""
    text = (
        "Served at `/ws/tasks/`; `GET /api/health/` needs no auth.\n"
        "Endpoints (all under `/api/tasks/`):\n"
        "| GET `executions/{id}/logs/?after_seq=N` | owner |\n"
        "| GET/PATCH `templates/{id}/`, POST `cancel/<int:pk>/` | staff |\n"
        "## Next\n"
        "| POST `/api/edi/imports/` | user |\n"
    )
    found = mentions(text)
    assert found.endpoints == {
        ("GET", "/api/health/"),
        ("GET", "/api/tasks/executions/{}/logs/"),
        ("GET", "/api/tasks/templates/{}/"),
        ("PATCH", "/api/tasks/templates/{}/"),
        ("POST", "/api/tasks/cancel/{}/"),
        ("POST", "/api/edi/imports/"),
    }
    assert "/ws/tasks/" in found.paths


def test_every_schema_endpoint_is_in_docs_api() -> None:
    endpoints = schema_endpoints()
    assert len(endpoints) > 30, "the OpenAPI schema lost its endpoints"
    missing = sorted(endpoints - documented().endpoints, key=lambda e: (e[1], e[0]))
    assert not missing, "docs/API.md does not document: " + ", ".join(
        f"{method} {path}" for method, path in missing
    )


def test_every_contract_endpoint_is_in_docs_api() -> None:
    if not SHARED_API.is_file():
        pytest.skip(f"the contract is not beside the repository ({SHARED_API} is absent)")
    contract = mentions(SHARED_API.read_text(encoding="utf-8"))
    assert len(contract.endpoints) > 15, "no endpoints read from shared/API.md"
    docs = documented()
    missing = sorted(contract.endpoints - docs.endpoints) + sorted(contract.paths - docs.paths)
    assert not missing, f"docs/API.md lacks what {SHARED_API} names: {missing}"


def relative_links(document: Path) -> list[str]:
    targets = LINK.findall(document.read_text(encoding="utf-8"))
    return [t for t in targets if not t.startswith(("http://", "https://", "mailto:", "#"))]


@pytest.mark.parametrize(
    "document", [README, *sorted((REPO_DIR / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_links_point_to_files_in_the_repository(document: Path) -> None:
    for target in relative_links(document):
        resolved = (document.parent / target.split("#", 1)[0]).resolve()
        assert resolved.is_relative_to(REPO_DIR.resolve()), f"{target} is outside the repository"
        assert resolved.exists(), f"{document.name} links to {target}, which does not exist"


def test_readme_sends_users_to_docs_api() -> None:
    assert "docs/API.md" in relative_links(README)
    assert "shared/" not in README.read_text(encoding="utf-8"), "users do not have shared/"

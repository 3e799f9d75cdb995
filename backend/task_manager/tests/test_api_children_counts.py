"""Parents and children, facet counts, ordering and page sizes of the execution list (#17)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from task_manager.api.filters import ORDERINGS
from task_manager.launching import execution_launch
from task_manager.lifecycle import execution_finish
from task_manager.models import ExecutionStatus, TaskExecution
from task_manager.payloads import status_event
from task_manager.tests.factories import make_execution

pytestmark = pytest.mark.django_db

S = ExecutionStatus
LIST = "/api/tasks/executions/"
COUNTS = "/api/tasks/executions/counts/"


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def children_url(execution: TaskExecution) -> str:
    return f"/api/tasks/executions/{execution.pk}/children/"


def parent_with_children(user: User, statuses: Sequence[str]) -> tuple[TaskExecution, list[Any]]:
    """A parent and one child launched under it per status, each ended with that status."""
    parent = make_execution(user=user, status=S.PROGRESS, name="demo.parent")
    children = []
    for status in statuses:
        child = execution_launch(task="task_manager.demo_child", user=user, parent=parent)
        if status != S.PENDING:
            execution_finish(child.task_id, status, error="boom" if status == S.FAILURE else "")
        children.append(child)
    parent.refresh_from_db()
    return parent, children


# --- parents and children ------------------------------------------------------------------


def test_top_level_lists_executions_without_a_parent(api: APIClient, user: User) -> None:
    parent, children = parent_with_children(user, [S.SUCCESS, S.FAILURE])
    alone = make_execution(user=user)

    assert set(ids(api.get(LIST, {"top_level": "true"}))) == {parent.pk, alone.pk}
    assert set(ids(api.get(LIST, {"top_level": "false"}))) == {c.pk for c in children}
    assert len(ids(api.get(LIST))) == 4


def test_every_execution_carries_its_children_counters(api: APIClient, user: User) -> None:
    parent, children = parent_with_children(user, [S.SUCCESS, S.FAILURE, S.FAILURE, S.PENDING])

    row = next(r for r in api.get(LIST).json()["results"] if r["id"] == parent.pk)
    detail = api.get(f"{LIST}{parent.pk}/").json()
    child = api.get(f"{LIST}{children[0].pk}/").json()

    assert (row["children_count"], row["children_failed"]) == (4, 2)
    assert (detail["children_count"], detail["children_failed"]) == (4, 2)
    assert status_event(parent)["execution"]["children_count"] == 4  # the WebSocket's shape
    assert (child["children_count"], child["children_failed"], child["parent_id"]) == (
        0,
        0,
        parent.pk,
    )


def test_a_child_failing_after_its_parent_ended_is_still_counted(user: User) -> None:
    parent, (child,) = parent_with_children(user, [S.PENDING])
    execution_finish(parent.task_id, S.REVOKED)

    execution_finish(child.task_id, S.FAILURE, error="late")

    parent.refresh_from_db()
    assert (parent.status, parent.children_count, parent.children_failed) == (S.REVOKED, 1, 1)


def test_children_are_paged_with_the_lists_filters(api: APIClient, user: User) -> None:
    parent, children = parent_with_children(user, [S.SUCCESS] * 26 + [S.FAILURE])
    make_execution(user=user)  # not a child

    first = api.get(children_url(parent)).json()
    second = api.get(children_url(parent), {"page": 2}).json()

    assert first["count"] == 27
    assert [r["id"] for r in first["results"]] == [c.pk for c in children[:25]]  # oldest first
    assert [r["id"] for r in second["results"]] == [c.pk for c in children[25:]]
    assert ids(api.get(children_url(parent), {"status": "FAILURE"})) == [children[-1].pk]
    newest = ids(api.get(children_url(parent), {"ordering": "-created_at", "page_size": "50"}))
    assert newest[0] == children[-1].pk
    assert api.get(children_url(parent), {"page_size": 7}).status_code == 400


def test_another_users_children_are_a_404(api: APIClient, other_user: User) -> None:
    parent, _ = parent_with_children(other_user, [S.SUCCESS])

    response = api.get(children_url(parent))

    assert response.status_code == 404
    assert api.get("/api/tasks/executions/999999/children/").status_code == 404


def test_stats_count_top_level_executions_unless_asked(api: APIClient, user: User) -> None:
    parent_with_children(user, [S.SUCCESS, S.SUCCESS, S.FAILURE])

    def demo_total(**query: str) -> int:
        modules = api.get("/api/tasks/stats/", query).json()["modules"]
        return sum(m["total"] for m in modules)

    assert demo_total() == 1
    assert demo_total(include_children="true") == 4
    assert api.get("/api/tasks/stats/", {"include_children": "maybe"}).status_code == 400


# --- facet counts --------------------------------------------------------------------------


def test_counts_give_each_facet_with_the_other_filters(
    api: APIClient, user: User, other_user: User
) -> None:
    make_execution(user=user, status=S.SUCCESS, module="deploy", name="deploy.deploy_vm")
    make_execution(user=user, status=S.FAILURE, module="deploy", name="deploy.deploy_vm")
    make_execution(user=user, status=S.FAILURE, module="edi", name="edi.import_files")
    make_execution(user=other_user, status=S.FAILURE, module="deploy", name="deploy.deploy_vm")

    everything = api.get(COUNTS).json()
    failed_deploys = api.get(COUNTS, {"status": "FAILURE", "module": "deploy"}).json()

    assert everything == {
        "status": {"SUCCESS": 1, "FAILURE": 2},
        "module": {"deploy": 2, "edi": 1},
        "name": {"deploy.deploy_vm": 2, "edi.import_files": 1},
        "kind": {"celery": 3},
    }
    # Status counted within deploy (its own filter left out), module within FAILURE.
    assert failed_deploys == {
        "status": {"SUCCESS": 1, "FAILURE": 1},
        "module": {"deploy": 1, "edi": 1},
        "name": {"deploy.deploy_vm": 1},
        "kind": {"celery": 1},
    }


def test_counts_take_the_same_number_of_queries_for_any_data(api: APIClient, user: User) -> None:
    def queries(**query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(COUNTS, query).status_code == 200
        return len(captured.captured_queries)

    make_execution(user=user, status=S.SUCCESS)
    few = queries(top_level="true")
    for index in range(30):
        make_execution(user=user, status=S.FAILURE, module=f"m{index % 5}", name=f"t{index}")

    assert few == queries(top_level="true") == queries(search="t", status="FAILURE") == 4


def test_the_kind_filter_tells_celery_from_django_tasks(api: APIClient, user: User) -> None:
    celery = make_execution(user=user, status=S.SUCCESS)
    django = make_execution(user=user, status=S.SUCCESS, kind="django", backend="default")

    assert ids(api.get(LIST, {"kind": "django"})) == [django.pk]
    assert ids(api.get(LIST, {"kind": "celery"})) == [celery.pk]
    assert api.get(COUNTS, {"kind": "django"}).json()["kind"] == {"celery": 1, "django": 1}
    assert api.get(COUNTS, {"kind": "django"}).json()["status"] == {"SUCCESS": 1}
    row = api.get(LIST, {"kind": "django"}).json()["results"][0]
    assert (row["kind"], row["backend"]) == ("django", "default")
    assert api.get(LIST, {"kind": "rq"}).status_code == 400


def test_counts_validate_like_the_list(api: APIClient) -> None:
    response = api.get(COUNTS, {"status": "NOPE"})

    assert response.status_code == 400
    assert "status" in response.json()["errors"]


# --- ordering and page sizes ---------------------------------------------------------------


def ordered_fixture(user: User, other_user: User) -> list[TaskExecution]:
    now = timezone.now()
    return [
        make_execution(
            user=user, status=S.SUCCESS, module="b", name="b.task", title="b", progress=100,
            started_at=now - timedelta(seconds=30), finished_at=now - timedelta(seconds=10),
        ),
        make_execution(
            user=other_user, status=S.PROGRESS, module="a", name="c.task", title="c",
            progress=40, started_at=now - timedelta(seconds=5),
        ),
        make_execution(user=user, status=S.PENDING, module="c", name="a.task", title="a"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("module", [1, 0, 2]),
        ("-module", [2, 0, 1]),
        ("name", [2, 0, 1]),
        ("task_name", [2, 0, 1]),
        ("status", [2, 1, 0]),
        ("progress", [2, 1, 0]),
        ("-progress", [0, 1, 2]),
        ("started_at", [0, 1, 2]),  # never started: last, either way
        ("-started_at", [1, 0, 2]),
        ("completed_at", [0, 2, 1]),  # the unfinished last, newest first
        ("duration", [1, 0, 2]),  # 5 s (running) before 20 s; not started last
        ("-duration", [0, 1, 2]),
        ("user", [2, 0, 1]),  # ana's two (newest first), then bob's
        ("running_first", [1, 2, 0]),
        ("-created_at", [2, 1, 0]),
    ],
)
def test_every_column_sorts(
    staff_user: User, user: User, other_user: User, ordering: str, expected: list[int]
) -> None:
    rows = ordered_fixture(user, other_user)

    got = ids(client_for(staff_user).get(LIST, {"ordering": ordering}))

    assert got == [rows[index].pk for index in expected]


def test_every_ordering_answers(staff_user: User, user: User, other_user: User) -> None:
    ordered_fixture(user, other_user)
    staff = client_for(staff_user)

    for ordering in ORDERINGS:
        assert len(ids(staff.get(LIST, {"ordering": ordering}))) == 3


def test_an_unknown_ordering_or_page_size_is_a_400_naming_it(api: APIClient) -> None:
    bad_ordering = api.get(LIST, {"ordering": "password"})
    bad_size = api.get(LIST, {"page_size": "30"})
    not_a_number = api.get(LIST, {"page_size": "lots"})

    assert bad_ordering.status_code == 400
    assert "ordering" in bad_ordering.json()["errors"]
    assert bad_size.status_code == not_a_number.status_code == 400
    assert bad_size.json()["errors"] == {"page_size": ["One of 25, 50, 100, 200."]}


@pytest.mark.parametrize("size", [25, 50, 100, 200])
def test_the_page_sizes_of_the_ui(api: APIClient, user: User, size: int) -> None:
    TaskExecution.objects.bulk_create(
        TaskExecution(task_id=f"t{n}", name="demo.x", task_name="demo.x", user=user)
        for n in range(201)
    )

    body = api.get(LIST, {"page_size": size}).json()

    assert len(body["results"]) == size
    assert body["count"] == 201

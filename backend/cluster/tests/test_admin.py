"""The audit's admin pages after AuditRecord moved from task_manager to the cluster app."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/task_manager/auditrecord/", "/admin/cluster/auditrecord/"),
        (
            "/admin/task_manager/auditrecord/7/change/?q=a",
            "/admin/cluster/auditrecord/7/change/?q=a",
        ),
    ],
)
def test_links_to_the_old_admin_pages_are_redirected(old: str, new: str) -> None:
    response = Client().get(old)

    assert (response.status_code, response["Location"]) == (302, new)

"""Per-user deduplication's migrations on data the global rules left (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("edi", "0001_initial")]
AFTER = [("edi", "0004_owner_constraints")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def invoice(apps: Any, supplier: Any, batch: Any, number: str, source_file: Any = None) -> Any:
    return apps.get_model("edi", "Invoice").objects.create(
        supplier=supplier, batch=batch, source_file=source_file, number=number,
        issue_date=datetime.date(2026, 1, 2), currency="EUR", net_total=Decimal(1),
        tax_total=Decimal(0), gross_total=Decimal(1),
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_owners_are_assigned_and_a_shared_supplier_is_split_per_user() -> None:
    apps = migrate(BEFORE)
    User = apps.get_model("auth", "User")
    Import = apps.get_model("edi", "Import")
    ImportFile = apps.get_model("edi", "ImportFile")
    Supplier = apps.get_model("edi", "Supplier")
    ana, bob = User.objects.create(username="ana"), User.objects.create(username="bob")
    ana_batch, bob_batch = Import.objects.create(user=ana), Import.objects.create(user=bob)
    ana_file = ImportFile.objects.create(batch=ana_batch, name="a.edi", size=1, sha256="s",
                                         status="imported")  # fmt: skip
    ImportFile.objects.create(batch=bob_batch, name="b.edi", size=1, sha256="s",
                              status="duplicate")  # fmt: skip
    shared = Supplier.objects.create(code="4000000000001", name="ACME")
    unused = Supplier.objects.create(code="4000000000002", name="Nobody's")
    invoice(apps, shared, ana_batch, "1")
    invoice(apps, shared, bob_batch, "2")
    invoice(apps, shared, None, "3", source_file=ana_file)  # its import gone, its file kept
    invoice(apps, shared, None, "4")  # import and file gone: no owner

    apps = migrate(AFTER)
    Invoice = apps.get_model("edi", "Invoice")
    ImportFile = apps.get_model("edi", "ImportFile")
    Supplier = apps.get_model("edi", "Supplier")

    owners = dict(ImportFile.objects.values_list("name", "owner__username"))
    assert owners == {"a.edi": "ana", "b.edi": "bob"}
    rows = Invoice.objects.order_by("number").values_list(
        "number", "owner__username", "supplier__owner__username"
    )
    assert list(rows) == [("1", "ana", "ana"), ("2", "bob", "bob"), ("3", "ana", "ana"),
                          ("4", None, "ana")]  # fmt: skip
    acme = Supplier.objects.filter(code="4000000000001").order_by("pk")
    assert [(s.owner.username, s.name) for s in acme] == [("ana", "ACME"), ("bob", "ACME")]
    assert Supplier.objects.get(pk=unused.pk).owner is None

"""The EDI API in-process: the launch (202, 400 per file, 409), seed 002's progress shape,
per-file results, invoices with search and filters, visibility, and query counts."""

from __future__ import annotations

import json
import random
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from edi import invoices, services, testdata
from edi.models import Import, ImportFile, Invoice, Supplier
from edi.tests.conftest import import_now
from task_manager.models import TaskExecution

IMPORTS, INVOICES = "/api/edi/imports/", "/api/edi/invoices/"
LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def small_files(settings) -> None:
    settings.TASKPULSE_EDI_MAX_FILE_BYTES = LIMIT


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(api: APIClient, files: list[testdata.EdiFile]) -> Any:
    sent = [SimpleUploadedFile(f.name, f.content, "application/edifact") for f in files]
    return api.post(IMPORTS, {"files": sent}, format="multipart")


def generated(count: int = 3, invalid: int = 0, seed: int = 40) -> list[testdata.EdiFile]:
    return testdata.generate_batch(count, invalid, seed=seed, max_bytes=LIMIT)


# --- launching -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_answers_202_with_the_job_and_stores_the_files(api: APIClient) -> None:
    response = upload(api, generated(3))

    assert response.status_code == 202
    batch = Import.objects.get()
    assert response.json() == {
        "success": True, "job_id": str(batch.job_id), "execution_id": batch.execution_id,
        "files": 3, "message": "Import of 3 files started",
    }  # fmt: skip
    assert response["Location"] == f"{IMPORTS}{batch.job_id}/"
    execution = TaskExecution.objects.get()
    assert (execution.task_name, execution.kwargs, execution.status) == (
        services.IMPORT_TASK, {"import_id": batch.pk}, "PENDING",
    )  # fmt: skip
    assert list(batch.files.values_list("name", "status")) == [
        ("invoic_40_0001.edi", "pending"), ("invoic_40_0002.edi", "pending"),
        ("invoic_40_0003.edi", "pending"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_bad_files_are_refused_one_message_each_and_nothing_is_launched(api: APIClient) -> None:
    files = [*generated(1),
             testdata.EdiFile("scan.pdf", b"%PDF-1.7", 0),
             testdata.EdiFile("huge.edi", b"x" * (LIMIT + 1), 0)]  # fmt: skip

    response = upload(api, files)

    assert response.status_code == 400
    assert response.json()["errors"] == {"files": [
        "scan.pdf: wrong type; expected an EDIFACT file (.edi, .edifact, .edf, .inv, .txt, .dat)",
        "huge.edi: too large (65,537 bytes; at most 65,536)",
    ]}  # fmt: skip
    assert response.json()["detail"].startswith("files: scan.pdf: wrong type")
    assert not Import.objects.exists()
    assert not TaskExecution.objects.exists()


@pytest.mark.django_db
def test_no_file_or_too_many_is_a_400(api: APIClient, settings) -> None:
    settings.TASKPULSE_EDI_MAX_FILES = 2

    assert api.post(IMPORTS, {}, format="multipart").json()["errors"] == {
        "files": ["Send at least one file in the `files` field."]
    }
    assert upload(api, generated(3)).json()["errors"] == {
        "files": ["Too many files: 3; at most 2."]
    }
    assert api.post(IMPORTS, {"files": []}, format="json").status_code == 415


@pytest.mark.django_db
def test_a_second_launch_while_the_first_runs_is_a_409_naming_it(api: APIClient) -> None:
    first = upload(api, generated(2)).json()

    second = upload(api, generated(2, seed=41))

    assert second.status_code == 409
    assert second.json() == {
        "detail": "An import is already running; wait for it to finish.",
        "job_id": first["job_id"], "execution_id": first["execution_id"],
    }  # fmt: skip
    assert Import.objects.count() == 1


@pytest.mark.django_db
def test_with_one_import_for_everybody_another_users_running_one_is_not_named(
    api: APIClient, other_user: User, staff_user: User, settings
) -> None:
    settings.TASKPULSE_EDI_LOCK_SCOPE = "global"
    first = upload(api, generated(2)).json()
    bob, staff = client_for(other_user), client_for(staff_user)

    refused = upload(bob, generated(1, seed=41))

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Another user's import is running (one import at a time for everybody "
                  "here); try again when it ends.",
        "job_id": None, "execution_id": None,
    }  # fmt: skip
    assert bob.get("/api/edi/info/").json()["running_job_id"] is None
    assert staff.get("/api/edi/info/").json()["running_job_id"] == first["job_id"]
    assert upload(staff, generated(1, seed=42)).json()["job_id"] == first["job_id"]


@pytest.mark.django_db
def test_anonymous_callers_are_refused(anonymous_api: APIClient) -> None:
    assert upload(anonymous_api, generated(1)).status_code in (401, 403)
    assert anonymous_api.get(INVOICES).status_code in (401, 403)


# --- progress and results -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_import_shows_the_seed_progress_shape(api: APIClient) -> None:
    job_id = upload(api, generated(4)).json()["job_id"]

    body = api.get(f"{IMPORTS}{job_id}/").json()

    assert {key: body[key] for key in (
        "job_id", "status", "task_type", "total_items", "processed_items", "failed_items",
        "progress_percentage", "current_message", "started_at", "completed_at", "duration",
    )} == {
        "job_id": job_id, "status": "pending", "task_type": "edi_import", "total_items": 4,
        "processed_items": 0, "failed_items": 0, "progress_percentage": 0,
        "current_message": "Queued", "started_at": None, "completed_at": None, "duration": None,
    }  # fmt: skip
    assert (body["state"], body["is_active"], body["files_pending"]) == ("PENDING", True, 4)
    assert [f["status"] for f in body["files"]] == ["pending"] * 4


@pytest.mark.django_db(transaction=True)
def test_a_finished_import_shows_counts_and_each_files_result(
    user: User, inline: list[int]
) -> None:
    files = generated(10, 2, seed=42)
    batch = import_now(user, files)

    body = client_for(user).get(f"{IMPORTS}{batch.job_id}/").json()

    # As in seed 002, processed_items counts every file done, the failed ones too.
    assert (body["status"], body["total_items"], body["processed_items"], body["failed_items"]) == (
        "completed", 10, 10, 2,
    )  # fmt: skip
    assert (body["progress_percentage"], body["current_message"]) == (
        100, "Import finished: 10 files, 2 failed",
    )  # fmt: skip
    assert body["completed_at"]
    assert body["started_at"]
    assert body["duration"] >= 0
    assert (body["files_imported"], body["files_failed"], body["files_duplicate"]) == (8, 2, 0)
    assert body["invoices_created"] == sum(f.invoices for f in files)
    failed = [f for f in body["files"] if f["status"] == "failed"]
    assert [f["error"].split(":")[0] for f in failed] == ["Empty file", "Binary content"]
    assert all(f["execution_id"] for f in body["files"])
    imported = next(f for f in body["files"] if f["status"] == "imported")
    assert set(imported) >= {"name", "size", "sha256", "directory", "invoices_created",
                             "segment_position", "segment_tag", "note", "duplicate_of"}  # fmt: skip


@pytest.mark.django_db
def test_other_users_imports_are_404s_and_staff_sees_them(
    api: APIClient, other_user: User, staff_user: User
) -> None:
    job_id = upload(api, generated(1)).json()["job_id"]
    other, staff = client_for(other_user), client_for(staff_user)

    assert other.get(f"{IMPORTS}{job_id}/").status_code == 404
    assert other.get(IMPORTS).json()["count"] == 0
    assert staff.get(f"{IMPORTS}{job_id}/").status_code == 200
    assert staff.get(IMPORTS).json()["count"] == 1
    assert api.get(f"{IMPORTS}{uuid.uuid4()}/").status_code == 404
    assert api.get(f"{IMPORTS}not-a-uuid/").json() == {"detail": "Not found."}


@pytest.mark.django_db(transaction=True)
def test_another_users_files_and_invoices_never_show_in_an_import(
    user: User, other_user: User, inline: list[int]
) -> None:
    """Deduplication is per user: bob importing alice's bytes, or alice's invoices in other
    bytes, gets a plain import, with nothing of hers (name, job, supplier) in it."""
    first, second = (testdata.random_invoice(random.Random(n), f"INV-{n}") for n in (7, 8))
    alices = [testdata.EdiFile(f"alice-secret-{n}.edi",
                               testdata.interchange_bytes([spec], reference=f"A{n}"), 1)
              for n, spec in enumerate((first, second))]  # fmt: skip
    alice_batch = import_now(user, alices)
    Supplier.objects.filter(owner=user).update(name="Alice's name for it")
    same_bytes = testdata.EdiFile("mine.edi", alices[0].content, 1)
    reexport = testdata.EdiFile("b.edi", testdata.interchange_bytes([second], reference="B"), 1)

    bob_batch = import_now(other_user, [same_bytes, reexport])

    bob = client_for(other_user)
    detail = bob.get(f"{IMPORTS}{bob_batch.job_id}/").json()
    outcomes = [(f["status"], f["invoices_created"], f["invoices_existing"], f["duplicate_of"],
                 f["note"]) for f in detail["files"]]  # fmt: skip
    assert outcomes == [("imported", 1, 0, None, None)] * 2
    assert (detail["files_imported"], detail["files_duplicate"]) == (2, 0)
    body = json.dumps(detail).lower()
    assert "alice" not in body
    assert str(alice_batch.job_id) not in body
    invoices = bob.get(INVOICES).json()["results"]
    assert sorted(i["number"] for i in invoices) == ["INV-7", "INV-8"]
    assert Invoice.objects.filter(number="INV-7").count() == 2  # one each
    suppliers = bob.get("/api/edi/suppliers/").json()["results"]
    assert "Alice's name for it" not in json.dumps(suppliers)


@pytest.mark.django_db
def test_the_import_list_filters_active_ones(api: APIClient, user: User) -> None:
    job_id = upload(api, generated(1)).json()["job_id"]

    assert [i["job_id"] for i in api.get(IMPORTS, {"active": "true"}).json()["results"]] == [job_id]
    assert api.get(IMPORTS, {"active": "false"}).json()["count"] == 0
    assert api.get(IMPORTS, {"active": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_lists_take_a_fixed_number_of_queries(
    api: APIClient, user: User, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        services.import_create(user=user, files=[])
        TaskExecution.objects.update(status="SUCCESS")
    invoices = len(make_invoices(user, 6))

    with django_assert_max_num_queries(4):
        assert len(api.get(IMPORTS).json()["results"]) == 4
    with django_assert_max_num_queries(4):
        assert len(api.get(INVOICES).json()["results"]) == invoices > 6


# --- invoices ---------------------------------------------------------------------------------


def make_invoices(user: User, count: int) -> list[Invoice]:
    """Invoices as an import leaves them, without running one."""
    from edi.parsers import parse_file

    batch = Import.objects.create(user=user, files_total=count)
    for file in generated(count, 0, seed=43):
        record = ImportFile.objects.create(batch=batch, owner=user, name=file.name,
                                           stored_name=file.name,
                                           size=len(file.content), sha256=file.name)  # fmt: skip
        invoices.store_documents(record, parse_file(file.content, max_bytes=LIMIT))
        record.save()
    return list(Invoice.objects.all())


@pytest.mark.django_db
def test_invoices_are_searched_and_filtered(api: APIClient, user: User) -> None:
    invoices = make_invoices(user, 8)
    one = invoices[0]

    def numbers(**query: Any) -> set[str]:
        response = api.get(INVOICES, query)
        assert response.status_code == 200, response.json()
        return {row["number"] for row in response.json()["results"]}

    everything = {invoice.number for invoice in invoices}
    assert numbers() == everything
    assert numbers(search=one.number) == {one.number}
    same_supplier = {i.number for i in invoices if i.supplier == one.supplier}
    # (SQLite folds the case of ASCII letters only: search with the name as written.)
    assert numbers(search=one.supplier.name.split()[0]) == same_supplier
    assert numbers(search=one.supplier.code) == same_supplier
    assert numbers(supplier=one.supplier_id) == {
        i.number for i in invoices if i.supplier_id == one.supplier_id
    }
    assert numbers(currency="SEK") == {i.number for i in invoices if i.currency == "SEK"}
    day = one.issue_date.isoformat()
    assert numbers(issued_after=day, issued_before=day) == {
        i.number for i in invoices if i.issue_date == one.issue_date
    }
    assert numbers(job_id=str(one.batch.job_id)) == everything  # type: ignore[union-attr]
    totals = [
        r["gross_total"] for r in api.get(INVOICES, {"ordering": "-gross_total"}).json()["results"]
    ]
    assert totals == sorted(totals, key=float, reverse=True)
    for bad in ({"currency": "euro"}, {"issued_after": "yesterday"}, {"ordering": "price"},
                {"supplier": "x"}, {"job_id": "nope"}):  # fmt: skip
        assert api.get(INVOICES, bad).status_code == 400


@pytest.mark.django_db
def test_an_invoice_shows_its_lines_and_other_users_do_not_see_it(
    api: APIClient, user: User, other_user: User
) -> None:
    invoice = make_invoices(user, 1)[0]

    body = api.get(f"{INVOICES}{invoice.pk}/").json()

    assert body["number"] == invoice.number
    assert body["supplier"]["code"] == invoice.supplier.code
    assert body["gross_total"] == str(invoice.gross_total)
    assert body["line_count"] == len(body["lines"]) == invoice.lines.count()
    assert set(body["lines"][0]) == {
        "number", "item_code", "supplier_item_code", "description", "quantity", "unit",
        "unit_price", "net_amount", "tax_rate",
    }  # fmt: skip
    other = client_for(other_user)
    assert other.get(f"{INVOICES}{invoice.pk}/").status_code == 404
    assert other.get(INVOICES).json()["count"] == 0
    assert other.get("/api/edi/suppliers/").json()["count"] == 0
    suppliers = api.get("/api/edi/suppliers/").json()["results"]
    assert suppliers == [{"id": invoice.supplier_id, "code": invoice.supplier.code,
                          "name": invoice.supplier.name, "country": invoice.supplier.country,
                          "invoice_count": 1}]  # fmt: skip


@pytest.mark.django_db
def test_info_tells_the_limits_and_the_running_import(api: APIClient) -> None:
    assert api.get("/api/edi/info/").json() == {
        "max_files": 100, "max_file_bytes": LIMIT,
        "extensions": [".edi", ".edifact", ".edf", ".inv", ".txt", ".dat"],
        "lock_scope": "user", "message_types": {"INVOIC": ["D.96A", "D.01B"]},
        "running_job_id": None, "max_upload_bytes": 50 * 1024 * 1024,
        "quota_bytes": 500 * 1024 * 1024, "stored_bytes": 0,
    }  # fmt: skip
    files = generated(1)
    job_id = upload(api, files).json()["job_id"]
    info = api.get("/api/edi/info/").json()
    assert (info["running_job_id"], info["stored_bytes"]) == (job_id, len(files[0].content))

"""Per-user deduplication, step 2 of 3: every file, invoice and supplier gets its owner.

A file's owner is its import's user; an invoice's, its import's user (or its file's, when
the import is gone). A supplier that the invoices of several users named becomes one
supplier per user, each user's invoices pointing at their own. Invoices whose import and
file are both gone keep no owner (staff still see them) and their supplier as it was.

Going back merges each code's suppliers into its first one again; it fails (0002's
reverse does) when users have imported the same content or invoice since: the global
uniqueness it restores no longer holds.
"""

from django.db import migrations


def assign_owners(apps, schema_editor):
    Import = apps.get_model("edi", "Import")
    ImportFile = apps.get_model("edi", "ImportFile")
    Invoice = apps.get_model("edi", "Invoice")
    for user_id in Import.objects.values_list("user_id", flat=True).distinct().order_by():
        ImportFile.objects.filter(batch__user_id=user_id).update(owner_id=user_id)
        Invoice.objects.filter(batch__user_id=user_id).update(owner_id=user_id)
        Invoice.objects.filter(
            batch__isnull=True, source_file__batch__user_id=user_id
        ).update(owner_id=user_id)
    split_suppliers(apps)


def split_suppliers(apps):
    Supplier = apps.get_model("edi", "Supplier")
    Invoice = apps.get_model("edi", "Invoice")
    for supplier in Supplier.objects.filter(owner__isnull=True).order_by("pk"):
        owners = list(
            Invoice.objects.filter(supplier=supplier, owner__isnull=False)
            .values_list("owner_id", flat=True).distinct().order_by("owner_id")
        )
        if not owners:
            continue
        original_pk = supplier.pk
        Supplier.objects.filter(pk=original_pk).update(owner_id=owners[0])
        for owner_id in owners[1:]:
            supplier.pk, supplier.id, supplier.owner_id = None, None, owner_id
            supplier._state.adding = True
            supplier.save()
            Invoice.objects.filter(supplier_id=original_pk, owner_id=owner_id).update(
                supplier_id=supplier.pk
            )


def merge_suppliers(apps, schema_editor):
    Supplier = apps.get_model("edi", "Supplier")
    Invoice = apps.get_model("edi", "Invoice")
    for supplier in Supplier.objects.order_by("pk"):
        first = Supplier.objects.filter(code=supplier.code).order_by("pk").first()
        if first.pk != supplier.pk:
            Invoice.objects.filter(supplier_id=supplier.pk).update(supplier_id=first.pk)
            supplier.delete()


class Migration(migrations.Migration):

    dependencies = [("edi", "0002_owner_fields")]

    operations = [migrations.RunPython(assign_owners, merge_suppliers)]

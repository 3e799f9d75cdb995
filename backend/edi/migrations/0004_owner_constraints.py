"""Per-user deduplication, step 3 of 3: every file has its owner, and content, invoices
and suppliers are unique per owner."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("edi", "0003_assign_owners"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="importfile",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="importfile",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "imported")), fields=("owner", "sha256"),
                name="edi_file_imported_once_per_owner",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(
                fields=("owner", "supplier", "number"), name="edi_invoice_once_per_owner"
            ),
        ),
        migrations.AddConstraint(
            model_name="supplier",
            constraint=models.UniqueConstraint(fields=("owner", "code"), name="edi_supplier_once"),
        ),
    ]

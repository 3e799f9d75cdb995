"""Per-user deduplication, step 1 of 3: the owner columns, nullable, and the old global
uniqueness (content, invoice, supplier code) dropped.

Three migrations, so that on PostgreSQL the data (0003) is not written in the same
transaction as the ALTER TABLEs that follow it (0004): that fails with "pending trigger
events". On SQLite each one rebuilds its tables as usual.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("edi", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="importfile", name="edi_file_imported_once"),
        migrations.RemoveConstraint(model_name="invoice", name="edi_invoice_once"),
        migrations.AlterField(
            model_name="supplier", name="code", field=models.CharField(max_length=35),
        ),
        migrations.AddField(
            model_name="supplier",
            name="owner",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                related_name="edi_suppliers", to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="importfile",
            name="owner",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="owner",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                related_name="edi_invoices", to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]

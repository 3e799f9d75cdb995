"""Read-mostly admin pages: imports with their files, invoices with their lines."""

from __future__ import annotations

from django.contrib import admin

from edi.models import Import, ImportFile, Invoice, InvoiceLine, Supplier


class ImportFileInline(admin.TabularInline):
    model = ImportFile
    extra = 0
    can_delete = False
    fields = ("name", "size", "status", "error", "note", "invoices_created", "execution")
    readonly_fields = fields


@admin.register(Import)
class ImportAdmin(admin.ModelAdmin):
    list_display = ("job_id", "user", "files_total", "execution", "created_at")
    list_filter = ("created_at",)
    search_fields = ("job_id", "user__username")
    readonly_fields = ("job_id", "user", "files_total", "execution", "created_at")
    inlines = [ImportFileInline]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "owner", "supplier", "issue_date", "currency", "gross_total",
                    "batch")  # fmt: skip
    list_filter = ("currency", "directory", "issue_date")
    search_fields = ("number", "supplier__name", "supplier__code")
    list_select_related = ("owner", "supplier", "batch")
    raw_id_fields = ("source_file", "batch")
    inlines = [InvoiceLineInline]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "owner", "name", "vat_number", "country")
    search_fields = ("code", "name", "vat_number")

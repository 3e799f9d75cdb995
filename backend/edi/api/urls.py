from django.urls import path

from edi.api import views

urlpatterns = [
    path("imports/", views.ImportListCreateView.as_view(), name="edi-import-list"),
    path("imports/<uuid:job_id>/", views.ImportDetailView.as_view(), name="edi-import-detail"),
    path("invoices/", views.InvoiceListView.as_view(), name="edi-invoice-list"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="edi-invoice-detail"),
    path("suppliers/", views.SupplierListView.as_view(), name="edi-supplier-list"),
    path("info/", views.EdiInfoView.as_view(), name="edi-info"),
]

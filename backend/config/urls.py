from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cluster.flower_proxy import flower_dashboard
from config.views import spa_index, with_headers

# Redoc's bundle always adds a Redocly logo from its CDN: the policy keeps the page offline
# (the image is refused and Redoc hides it).
redoc_view = with_headers(
    SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
    {"Content-Security-Policy": "img-src 'self' data:"},
)

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

urlpatterns = [
    # The audit moved from task_manager to the cluster app: links to its old admin pages work.
    re_path(
        r"^admin/task_manager/auditrecord/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/cluster/auditrecord/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/", include("task_manager.api.urls")),
    path("api/", include("cluster.api.urls")),
    path("api/deploy/", include("deploy.api.urls")),
    path("deploy/", include("deploy.urls")),
    path("api/edi/", include("edi.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
    # The Flower dashboard, for staff sessions only (cluster/flower_proxy.py).
    path("flower", RedirectView.as_view(url="/flower/", query_string=True)),
    re_path(r"^flower/(?P<path>.*)$", flower_dashboard, name="flower-dashboard"),
    # Client-side routes of the React app; API-like prefixes stay real 404s.
    re_path(r"^(?!api/|admin/|ws/|static/|flower/|assets/|deploy/ajax/).*$", spa_index, name="spa"),
]

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cluster.flower_proxy import flower_dashboard
from cluster.prometheus import metrics_view
from config.views import spa_index

# Redoc draws with styled-components, which writes <style> elements without a nonce, and runs
# its search in a worker made from a blob: URL; its page allows both (never inline scripts).
# Its bundle also adds a Redocly logo from its CDN, which the policy refuses (Redoc hides
# it), keeping the page offline.
REDOC_POLICY = {"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}
redoc_view = csp_replace(REDOC_POLICY)(
    SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html")
)
# drf-spectacular's Swagger UI page, with the policy's nonce on its inline style and script.
swagger_view = SpectacularSwaggerView.as_view(
    url_name="schema", template_name="api/swagger_ui.html"
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
    # Prometheus (off unless TASKPULSE_METRICS; cluster/prometheus.py).
    path("metrics", metrics_view, name="metrics"),
    path("api/", include("task_manager.api.urls")),
    path("api/", include("cluster.api.urls")),
    path("api/deploy/", include("deploy.api.urls")),
    path("deploy/", include("deploy.urls")),
    path("api/edi/", include("edi.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_view, name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
    # The Flower dashboard, for staff sessions only (cluster/flower_proxy.py).
    path("flower", RedirectView.as_view(url="/flower/", query_string=True)),
    re_path(r"^flower/(?P<path>.*)$", flower_dashboard, name="flower-dashboard"),
    # Client-side routes of the React app; API-like prefixes stay real 404s.
    re_path(
        r"^(?!metrics$|api/|admin/|ws/|static/|flower/|assets/|deploy/ajax/).*$",
        spa_index,
        name="spa",
    ),
]

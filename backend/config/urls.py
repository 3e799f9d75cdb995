from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.views import spa_index

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("task_manager.api.urls")),
    path("api/deploy/", include("deploy.api.urls")),
    path("deploy/", include("deploy.urls")),
    path("api/edi/", include("edi.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Client-side routes of the React app; API-like prefixes stay real 404s.
    re_path(r"^(?!api/|admin/|ws/|static/|flower/|assets/|deploy/ajax/).*$", spa_index, name="spa"),
]

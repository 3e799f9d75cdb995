from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.views import defaults
from django.views.decorators.http import require_safe

MISSING_BUILD = (
    "<!doctype html><title>TaskPulse</title>"
    "<p>The front end is not built yet: run <code>make run</code> (or <code>make build</code>)."
)


@require_safe
def spa_index(request: HttpRequest) -> HttpResponseBase:
    """Serve the React app's index.html for every client-side route."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(MISSING_BUILD, status=503)
    # Read whole (a few hundred bytes): a file streamed under ASGI is a synchronous
    # iterator, which Django warns about on every page load.
    response = HttpResponse(index.read_bytes(), content_type="text/html")
    response["Cache-Control"] = "no-cache"
    return response


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    """JSON 404 under /api/ (the API never answers HTML); Django's page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception or Http404())


def server_error(request: HttpRequest) -> HttpResponseBase:
    if is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return defaults.server_error(request)

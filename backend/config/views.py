from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
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
    response = FileResponse(index.open("rb"), content_type="text/html")
    response["Cache-Control"] = "no-cache"
    return response

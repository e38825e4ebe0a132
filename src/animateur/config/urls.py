"""URLs: the team's app under /app/, the API under /api/, and each workspace's public site."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page says; the icon is an SVG among the static files.

    Not permanent, and resolved per request: in production the static file's name carries its
    content's hash, known only once the files are collected.
    """
    return HttpResponseRedirect(static("animateur/favicon.svg"))


urlpatterns = [
    path("app/", include("animateur.core.urls")),
    path("app/team/api-tokens/", include("animateur.api.staff_urls")),
    path("app/space/", include("animateur.space.staff_urls")),
    path("app/inbox/", include("animateur.inbox.urls")),
    path("app/moderation/", include("animateur.moderation.urls")),
    path("app/channels/", include("animateur.channels.urls")),
    path("app/stream/", include("animateur.stream.urls")),
    path("app/members/", include("animateur.members.urls")),
    path("app/webhooks/", include("animateur.events.urls")),
    path("app/listening/", include("animateur.listening.urls")),
    path("app/publishing/", include("animateur.publishing.urls")),
    path("app/links/", include("animateur.links.urls")),
    path("app/reports/", include("animateur.reports.urls")),
    path("api/", include("animateur.api.urls")),
    path("favicon.ico", favicon, name="favicon"),
    # Tracked links' public redirects, before the space's catch-all.
    path("l/", include("animateur.links.public_urls")),
    # A published publication's images, as its blog post shows them.
    path("images/", include("animateur.publishing.public_urls")),
    path("", include("animateur.space.urls")),
]

# The error pages in the product's look and the visitor's language (core.errors).
handler403 = "animateur.core.errors.permission_denied"
handler404 = "animateur.core.errors.page_not_found"
handler500 = "animateur.core.errors.server_error"

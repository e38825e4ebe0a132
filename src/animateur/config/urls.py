"""URLs: the team's app under /app/, the API under /api/, and each workspace's public site."""

from django.urls import include, path

urlpatterns = [
    path("app/", include("animateur.core.urls")),
    path("app/space/", include("animateur.space.staff_urls")),
    path("app/inbox/", include("animateur.inbox.urls")),
    path("app/moderation/", include("animateur.moderation.urls")),
    path("app/channels/", include("animateur.channels.urls")),
    path("api/", include("animateur.api.urls")),
    path("", include("animateur.space.urls")),
]

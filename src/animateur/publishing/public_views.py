"""A publication's image as the public sees it on the workspace's blog: at an unguessable address, and only
once the publication went out (a draft's images are the team's)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from animateur.publishing.models import PublicationImage, PublicationState, TargetState

# Its address names its content, which never changes: cached for a year.
CACHE = "public, max-age=31536000, immutable"


@require_GET
def publication_image(request: HttpRequest, name: str) -> FileResponse:
    key = name.split(".", 1)[0]
    image = (
        PublicationImage.objects.filter(key=key)
        .exclude(publication__state__in=(PublicationState.DRAFT, PublicationState.AWAITING_APPROVAL))
        .filter(publication__targets__state=TargetState.SENT)
        .first()
    )
    if image is None or not image.file:
        raise Http404
    try:
        opened = image.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(opened, content_type=image.content_type)
    response["Cache-Control"] = CACHE
    response["Content-Disposition"] = "inline"
    return response

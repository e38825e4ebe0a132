"""The client's signed link: whoever holds it may read one publication awaiting approval, approve it or
comment on it, without an account. The link names the publication and its text (an edit makes it stale)
and expires after LINK_DAYS."""

from __future__ import annotations

import hashlib

from django.core import signing

from animateur.core.links import absolute_url
from animateur.publishing.models import Publication

SALT = "animateur.publishing.approval"
LINK_DAYS = 14


def _digest(publication: Publication) -> str:
    return hashlib.sha256(publication.text.encode()).hexdigest()[:16]


def token_for(publication: Publication) -> str:
    return signing.dumps({"p": publication.pk, "t": _digest(publication)}, salt=SALT, compress=True)


def link_for(publication: Publication) -> str:
    return absolute_url(publication.workspace, "publishing:client_approval", (token_for(publication),))


def publication_of(token: str) -> Publication | None:
    """The publication the link names, if the link is genuine, not expired, and its text unchanged."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_DAYS * 86400)
        publication = Publication.objects.select_related("workspace").get(pk=int(data["p"]))
    except (signing.BadSignature, Publication.DoesNotExist, KeyError, TypeError, ValueError):
        return None
    return publication if data.get("t") == _digest(publication) else None

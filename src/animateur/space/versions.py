"""What the public site's caches are keyed on: the content version, and the listing version.

Every change the public sees bumps the workspace's content version (core), which expires
cached pages. A change of posts, pages, categories, tags or authors also bumps the listing
version, on which the sidebar's counts are cached: the many comments of a live site change
the content version, not these counts.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F

from animateur.core.models import Workspace
from animateur.space.models import ListingVersion

CACHE_SECONDS = 3600


def posts_changed(workspace: Workspace) -> None:
    """Call after a change of posts or their terms is committed (or inside its transaction).

    The listing version goes first: a reader who then sees the new content version is sure to
    see the new listing version as well (see listing_version).
    """
    if not ListingVersion.objects.filter(workspace=workspace).update(version=F("version") + 1):
        ListingVersion.objects.get_or_create(workspace=workspace)  # a first change: from 0 (no row) to 1
    workspace.bump_content_version()


def listing_version(workspace: Workspace) -> int:
    """The listing version that goes with the content version the request read.

    Read once per content version: a change of posts bumps both, so the listing version
    never changes under a content version, and a page costs no query for it.
    """
    key = f"space-listing:{workspace.pk}:{workspace.content_version}"
    version = cache.get(key)
    if version is None:
        version = ListingVersion.objects.filter(workspace=workspace).values_list("version", flat=True).first() or 0
        cache.set(key, version, CACHE_SECONDS)
    return version

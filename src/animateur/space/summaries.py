"""Posts as list pages show them (title, the post's line, teaser), rendered once, not by every page.

A list page (home, archives) is mostly its ten summaries, and rendering them costs more than
the rest of the page. Each is cached as HTML on what it shows: the listing version (any change
of posts, their authors or terms, see space/versions.py), the post's comment count (a new
comment renders again only the summary of its post), the time zone, the script prefix and the
language. A page reads its posts' keys and counts, and the posts themselves only for the
summaries not yet cached.
"""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from animateur.core.models import Workspace
from animateur.space.selectors import public_posts
from animateur.space.versions import listing_version

CACHE_SECONDS = 3600


def summaries(workspace: Workspace, rows: list[tuple[int, int]]) -> list[SafeString]:
    """The summaries of these public posts (selectors.public_post_rows), in this order."""
    prefix = (
        f"space-summary:{workspace.pk}:{listing_version(workspace)}:{workspace.timezone}:"
        f"{get_script_prefix()}:{get_language()}"
    )
    keys = {pk: f"{prefix}:{pk}:{comments}" for pk, comments in rows}
    post_ids = [pk for pk, _ in rows]
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk in post_ids if keys[pk] not in found]
    if missing:
        template = get_template("space/_post_summary.html")
        # Keyed by the count the page read: a count changed since is rendered again under its own key.
        rendered = {
            keys[post.pk]: template.render({"post": post}) for post in public_posts(workspace).filter(pk__in=missing)
        }
        cache.set_many(rendered, CACHE_SECONDS)
        found.update(rendered)
    # Our own template's output, escaped when it was rendered.
    return [mark_safe(found[keys[pk]]) for pk in post_ids if keys[pk] in found]  # noqa: S308

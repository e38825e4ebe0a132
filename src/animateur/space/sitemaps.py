"""sitemap.xml: the home page, every public post and page, with their last change."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.space import selectors
from animateur.space.cache import public_page
from animateur.space.models import Post, PostStatus, PostType
from animateur.space.views import site_view

MAX_URLS = 50_000  # the protocol's limit for one sitemap file


@public_page
@site_view
def sitemap(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    posts = (
        Post.objects.filter(
            workspace=workspace,
            type__in=(PostType.POST, PostType.PAGE),
            status=PostStatus.PUBLISHED,
            published_at__lte=timezone.now(),
        )
        .select_related("parent")
        .only(
            "id",
            "type",
            "slug",
            "published_at",
            "modified_at",
            "parent_id",
            "parent__slug",
            "parent__type",
            "parent__parent_id",
        )
        .order_by("-published_at")[: MAX_URLS - 1]
    )
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        f"<url><loc>{escape(request.build_absolute_uri(reverse('space:home')))}</loc>"
        "<changefreq>daily</changefreq></url>",
    ]
    for post in posts:
        loc = escape(request.build_absolute_uri(selectors.post_url(post)))
        changed = max(post.modified_at, post.published_at) if post.published_at else post.modified_at
        lines.append(f"<url><loc>{loc}</loc><lastmod>{changed.date().isoformat()}</lastmod></url>")
    lines.append("</urlset>")
    return HttpResponse("\n".join(lines), content_type="application/xml; charset=utf-8")

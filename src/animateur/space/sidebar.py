"""The public site's sidebar: pages, categories and tags with their counts, archives by month.

Every public page shows it. It is cached on the listing version (space/versions.py), which
changes with posts and their terms but not with comments, and its widgets are rendered once
per version and language rather than by every page. After a change of posts, the first page
of each process builds it again: a few aggregate queries, none calling a function for each
post (on SQLite, grouping by local month calls Python for every row: 100 ms for 10,000 posts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connections
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from animateur.core.models import Workspace
from animateur.space.models import Category, Post, PostStatus, PostType, Tag
from animateur.space.selectors import category_url, month_url, page_url, tag_url, workspace_tz
from animateur.space.versions import listing_version

CACHE_SECONDS = 3600
TAGS_SHOWN = 30
# Past this many months between the first and the last post, the archive is grouped by the
# database's month truncation instead: one parameter per month must stay within every
# database's limit (SQLite's may be 999).
MAX_BUCKETED_MONTHS = 600


def _key(kind: str, workspace: Workspace) -> str:
    version = listing_version(workspace)
    return f"space-{kind}:{workspace.pk}:{version}:{workspace.timezone}:{get_script_prefix()}"


def sidebar(workspace: Workspace) -> dict[str, Any]:
    """The sidebar's lists (the header's menu uses its pages); cached until posts or their terms change."""
    key = _key("sidebar", workspace)
    data = cache.get(key)
    if data is None:
        data = build_sidebar(workspace)
        cache.set(key, data, CACHE_SECONDS)
    return data


def sidebar_widgets(workspace: Workspace, data: dict[str, Any]) -> SafeString:
    """The rendered pages, categories, tags and archives widgets, in the active language."""
    key = f"{_key('sidebar-html', workspace)}:{get_language()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string("space/_sidebar_widgets.html", {"sidebar": data})
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when rendered


def build_sidebar(workspace: Workspace) -> dict[str, Any]:
    now = timezone.now()
    posts = Post.objects.filter(
        workspace=workspace, type=PostType.POST, status=PostStatus.PUBLISHED, published_at__lte=now
    )
    per_category = _links_per_term(Post.categories.through, "category_id", posts)
    categories = list(Category.objects.filter(workspace=workspace).only("id", "name", "slug", "parent_id"))
    by_id = {c.pk: c for c in categories}
    children: dict[int | None, list[Category]] = {}
    for cat in categories:
        parent_id = cat.parent_id if cat.parent_id in by_id else None
        children.setdefault(parent_id, []).append(cat)

    def subtree(parent_id: int | None, depth: int, seen: frozenset[int]) -> list[dict[str, Any]]:
        out = []
        for cat in children.get(parent_id, []):
            if cat.pk in seen or depth > 10:
                continue
            kids = subtree(cat.pk, depth + 1, seen | {cat.pk})
            count = per_category.get(cat.pk, 0)
            if count or kids:
                cat.parent = by_id.get(cat.parent_id or 0)  # ancestors() without queries
                out.append({"name": cat.name, "url": category_url(cat), "count": count, "children": kids})
        return out

    per_tag = _links_per_term(Post.tags.through, "tag_id", posts)
    tags = sorted(
        Tag.objects.filter(workspace=workspace, pk__in=list(per_tag)).only("id", "name", "slug"),
        key=lambda t: (-per_tag[t.pk], t.name),
    )[:TAGS_SHOWN]
    pages = list(
        Post.objects.filter(workspace=workspace, type=PostType.PAGE, status=PostStatus.PUBLISHED, published_at__lte=now)
        .select_related("parent")
        .only("id", "title", "slug", "parent_id", "type", "parent__slug", "parent__type", "parent__parent_id")
        .order_by("menu_order", "title")
    )
    return {
        "categories": subtree(None, 0, frozenset()),
        "tags": [
            {"name": t.name, "url": tag_url(t), "count": per_tag[t.pk]}
            for t in sorted(tags, key=lambda t: t.name.lower())
        ],
        "months": [
            {"date": month, "url": month_url(month.year, month.month), "count": n}
            for month, n in posts_by_month(posts, workspace)
        ],
        "pages": [{"title": p.title, "url": page_url(p), "child": p.parent_id is not None} for p in pages],
    }


def _links_per_term(through: Any, term_field: str, posts: QuerySet[Post]) -> dict[int, int]:
    """How many of these posts each category (or tag) holds, read from the links alone."""
    rows = through.objects.filter(post_id__in=posts.values("id")).values_list(term_field).annotate(n=Count("id"))
    return dict(rows.order_by())


def posts_by_month(posts: QuerySet[Post], workspace: Workspace) -> list[tuple[datetime, int]]:
    """(first instant of the local month, number of posts) for each month with posts, newest first.

    Months are those of the workspace's time zone, as the month archives' pages count them
    (selectors.month_range). Each post is put in its month by comparing its date with the
    month boundaries (a tree of CASE, a dozen comparisons a row), which every database does
    natively.
    """
    tz = workspace_tz(workspace)
    # Both ends read from the index (SQLite reads every row for MIN and MAX in one query).
    dates = posts.order_by().values_list("published_at", flat=True)
    oldest, newest = dates.order_by("published_at").first(), dates.order_by("-published_at").first()
    if oldest is None or newest is None:
        return []
    first, last = timezone.localtime(oldest, tz), timezone.localtime(newest, tz)
    starts = [datetime(first.year, first.month, 1, tzinfo=tz)]
    while starts[-1] <= last:
        year, month = starts[-1].year, starts[-1].month
        starts.append(datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz))
    # starts[i] <= a post of month i < starts[i + 1]; the last start only closes the range.
    if len(starts) - 1 > MAX_BUCKETED_MONTHS:
        return _posts_by_truncated_month(posts, tz)
    connection = connections[posts.db]
    column = connection.ops.quote_name("published_at")
    bounds = [connection.ops.adapt_datetimefield_value(start) for start in starts]
    params: list[Any] = []
    bucket = _bucket_sql(column, bounds, 0, len(starts) - 1, params)
    inner, inner_params = posts.order_by().values("published_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {bucket}, COUNT(*) FROM ({inner}) published GROUP BY 1",  # noqa: S608 - no value in the text
            [*params, *inner_params],
        )
        counts = cursor.fetchall()
    return sorted(((starts[index], n) for index, n in counts), reverse=True)


def _bucket_sql(column: str, bounds: list[Any], low: int, high: int, params: list[Any]) -> str:
    """An expression giving i where bounds[i] <= column < bounds[i + 1], for low <= i < high."""
    if high - low == 1:
        return str(low)
    middle = (low + high) // 2
    params.append(bounds[middle])
    below = _bucket_sql(column, bounds, low, middle, params)
    above = _bucket_sql(column, bounds, middle, high, params)
    return f"CASE WHEN {column} < %s THEN {below} ELSE {above} END"


def _posts_by_truncated_month(posts: QuerySet[Post], tz: Any) -> list[tuple[datetime, int]]:
    rows = (
        posts.annotate(month=TruncMonth("published_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")
    )
    return [(row["month"], row["n"]) for row in rows if row["month"] is not None]

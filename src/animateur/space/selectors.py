"""Reads of the community space shared by the public site, its feeds, the team pages and the API.

Everything here filters by workspace; public reads only ever see published posts whose
publication time has come.
"""

from __future__ import annotations

import pickle
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from animateur.core.models import User, Workspace
from animateur.space.models import Author, Category, Post, PostStatus, PostType, Tag
from animateur.space.names import slug_from
from animateur.space.page_store import Frozen, PageStore
from animateur.space.threads import COMMENT_KINDS
from animateur.space.versions import listing_version
from animateur.stream.models import Message, Visibility


def workspace_tz(workspace: Workspace) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(workspace.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


# ---------------------------------------------------------------- URLs

# The site's fixed addresses as reversed for each script prefix (a workspace addressed by /w/<slug>/):
# {% url %} reversed them again on every page, a tenth of the home page's time.
_SITE_URLS: dict[tuple[str, object, str], str] = {}


def site_url(name: str) -> str:
    """reverse(name) for a URL without arguments, reversed once per script prefix and URL conf."""
    key = (get_script_prefix(), get_urlconf(), name)
    found = _SITE_URLS.get(key)
    if found is None:
        found = _SITE_URLS[key] = reverse(name)
    return found


def post_url(post: Post, tz: tzinfo | None = None) -> str:
    """The public path of a post (date + slug, as WordPress permalinks) or of a page (its slug path)."""
    if post.type == PostType.PAGE:
        return page_url(post)
    if post.published_at is None:
        return reverse("space:preview", kwargs={"post_id": post.pk})
    local = timezone.localtime(post.published_at, tz or timezone.get_current_timezone())
    return reverse(
        "space:post",
        kwargs={
            "year": f"{local.year:04d}",
            "month": f"{local.month:02d}",
            "day": f"{local.day:02d}",
            "slug": post.slug,
        },
    )


def page_url(page: Post) -> str:
    slugs, node, seen = [page.slug], page.parent if page.parent_id else None, {page.pk}
    while node is not None and node.pk not in seen and node.type == PostType.PAGE:
        slugs.append(node.slug)
        seen.add(node.pk)
        node = node.parent if node.parent_id else None
    return reverse("space:page", kwargs={"path": "/".join(reversed(slugs))})


# The request's map of category id → slug path, so that lists of posts link categories without queries.
_CATEGORY_PATHS: ContextVar[dict[int, str] | None] = ContextVar("category_paths", default=None)


def category_paths(workspace: Workspace) -> dict[int, str]:
    """Every category's slug path (« parent/child »), cached until posts or their terms change."""
    key = f"space-category-paths:{workspace.pk}:{listing_version(workspace)}"
    paths = cache.get(key)
    if paths is None:
        rows = {
            pk: (slug, parent)
            for pk, slug, parent in Category.objects.filter(workspace=workspace).values_list("id", "slug", "parent_id")
        }
        paths = {}
        for pk in rows:
            chain, node, seen = [], pk, set()
            while node in rows and node not in seen:
                seen.add(node)
                chain.append(rows[node][0])
                node = rows[node][1]
            paths[pk] = "/".join(reversed(chain))
        cache.set(key, paths, 3600)
    return paths


@contextmanager
def known_category_paths(workspace: Workspace) -> Iterator[None]:
    """Within it, ``category_url`` reads the workspace's category paths from ``category_paths`` (one cached map)."""
    token = _CATEGORY_PATHS.set(category_paths(workspace))
    try:
        yield
    finally:
        _CATEGORY_PATHS.reset(token)


def category_url(category: Category) -> str:
    known = _CATEGORY_PATHS.get()
    path = known.get(category.pk) if known else None
    if path is None:
        path = "/".join([c.slug for c in category.ancestors()] + [category.slug])
    return reverse("space:category", kwargs={"path": path})


def tag_url(tag: Tag) -> str:
    return reverse("space:tag", kwargs={"slug": tag.slug})


def author_url(author: Author) -> str:
    return reverse("space:author", kwargs={"slug": author.slug})


def month_url(year: int, month: int) -> str:
    return reverse("space:month", kwargs={"year": f"{year:04d}", "month": f"{month:02d}"})


# ---------------------------------------------------------------- posts


def public_post_rows(workspace: Workspace) -> QuerySet[Post, tuple[int, int]]:
    """(key, comment count) of the published posts whose time has come, newest first: what a list page
    pages through, and what its cached summaries are looked up by (space/summaries.py)."""
    return (
        Post.objects.filter(
            workspace=workspace, type=PostType.POST, status=PostStatus.PUBLISHED, published_at__lte=timezone.now()
        )
        .order_by("-published_at", "-id")
        .values_list("pk", "comment_count")
    )


def public_post_count(workspace: Workspace) -> int:
    """How many posts public_post_rows pages through: counted once per listing version (a change of
    posts bumps it), again when a published post dated ahead of the count comes into the list."""
    key = f"space-post-count:{workspace.pk}:{listing_version(workspace)}"
    now = timezone.now()
    kept = cache.get(key)
    if kept is not None and (kept[1] is None or kept[1] > now):
        return int(kept[0])
    count = public_post_rows(workspace).count()
    upcoming = (
        Post.objects.filter(workspace=workspace, type=PostType.POST, status=PostStatus.PUBLISHED, published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    cache.set(key, (count, upcoming), 3600)
    return count


def public_posts(workspace: Workspace, *, types: tuple[str, ...] = (PostType.POST,)) -> QuerySet[Post]:
    """Published posts whose time has come, newest first, with what a list shows."""
    return (
        Post.objects.filter(
            workspace=workspace, type__in=types, status=PostStatus.PUBLISHED, published_at__lte=timezone.now()
        )
        .select_related("author")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.only("id", "name", "slug", "parent_id")))
        .defer("body", "body_html", "search_text", "extra", "excerpt")
        .annotate(has_excerpt=ExpressionWrapper(~Q(excerpt=""), output_field=BooleanField()))
        .order_by("-published_at", "-id")
    )


def sticky_first(workspace: Workspace, first_page: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The home page's first page (public_post_rows) as WordPress shows it: every sticky post leads, then the others.

    Sticky posts of the page keep their order and come first, followed by the sticky posts from
    further down (newest first), then the page's other posts. Later pages are the plain flow by
    date, where a sticky post also appears in its place (WP_Query does the same).
    """
    sticky = sticky_post_ids(workspace)
    if not sticky:
        return first_page
    leading = [row for row in first_page if row[0] in sticky]
    shown = {pk for pk, _ in first_page}
    others = [pk for pk in sticky if pk not in shown]
    further = list(public_post_rows(workspace).filter(pk__in=others)) if others else []
    return leading + further + [row for row in first_page if row[0] not in sticky]


def sticky_post_ids(workspace: Workspace) -> list[int]:
    """The published sticky posts (their time come or not), cached until posts change: most sites have
    none, and the home page then asks nothing more."""
    key = f"space-sticky:{workspace.pk}:{listing_version(workspace)}"
    ids = cache.get(key)
    if ids is None:
        ids = list(
            Post.objects.filter(
                workspace=workspace, type=PostType.POST, status=PostStatus.PUBLISHED, is_sticky=True
            ).values_list("pk", flat=True)
        )
        cache.set(key, ids, 3600)
    return ids


def public_post_by_date(workspace: Workspace, year: int, month: int, day: int, slug: str) -> Post | None:
    """The published post with this slug whose local publication day is the one in the URL."""
    tz = workspace_tz(workspace)
    try:
        start = datetime(year, month, day, tzinfo=tz)
    except ValueError:
        return None
    end = start + timedelta(days=1)
    return (
        Post.objects.filter(
            workspace=workspace, type=PostType.POST, slug=slug, published_at__gte=start, published_at__lt=end
        )
        # Not its message: only a comment posted needs it (loaded then), and it is a wide row.
        .select_related("author")
        .prefetch_related("categories", "tags")
        .first()
    )


# Posts as read for their pages, by content version (every change the public sees bumps it): a post page
# that misses the page cache (a new query string) costs no query for its post, author and terms, the
# post's part of such a page. Kept pickled: each request unpickles its own copy.
POST_CACHE_BYTES = 4 * 1024 * 1024
POST_CACHE_SECONDS = 3600
posts_read = PageStore()


def kept_public_post_by_date(workspace: Workspace, year: int, month: int, day: int, slug: str) -> Post | None:
    """public_post_by_date, kept for the workspace's content version while the post is public."""
    key = (workspace.pk, f"{workspace.timezone}|{year}|{month}|{day}|{slug}", "post")
    kept = posts_read.get(key, workspace.content_version)
    if kept is not None:
        post: Post = pickle.loads(kept[2])  # noqa: S301 - pickled by this process, below
        if is_visible_to_public(post):
            return post
    found = public_post_by_date(workspace, year, month, day, slug)
    if found is not None and is_visible_to_public(found):
        page: Frozen = (200, [], pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
        posts_read.put(key, workspace.content_version, page, seconds=POST_CACHE_SECONDS, budget=POST_CACHE_BYTES)
    return found


def post_by_slug(workspace: Workspace, slug: str, type_: str = PostType.POST) -> Post | None:
    return (
        Post.objects.filter(workspace=workspace, type=type_, slug=slug)
        .select_related("author", "message", "parent")
        .prefetch_related("categories", "tags")
        .first()
    )


def is_visible_to_public(post: Post) -> bool:
    return post.is_public and post.published_at is not None and post.published_at <= timezone.now()


def month_range(workspace: Workspace, year: int, month: int) -> tuple[datetime, datetime]:
    """The month's bounds in the workspace's time zone: an indexed range, not a per-row date function."""
    tz = workspace_tz(workspace)
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def category_with_descendants(category: Category) -> list[int]:
    """The category and every category below it: a category's archive shows its children's posts too."""
    rows = list(Category.objects.filter(workspace_id=category.workspace_id).values_list("id", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [category.pk]
    while todo:
        pk = todo.pop()
        if pk in found:
            continue
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


# ---------------------------------------------------------------- comments


@dataclass
class CommentNode:
    message: Message
    children: list[CommentNode]
    held: bool = False


def comment_tree(post: Post, held_ids: list[int] | None = None) -> tuple[list[CommentNode], int]:
    """The post's visible comments (and the visitor's own held ones) as a tree, oldest first."""
    if post.message_id is None:
        return [], 0
    visible_or_held = Q(visibility=Visibility.VISIBLE)
    if held_ids:
        visible_or_held |= Q(pk__in=held_ids, visibility=Visibility.PENDING)
    messages = list(
        Message.objects.filter(thread_root_id=post.message_id, kind__in=COMMENT_KINDS)
        .filter(visible_or_held)
        .select_related("author", "sent_by")
        .only(
            "id",
            "parent_id",
            "html",
            "created_at",
            "visibility",
            "from_organisation",
            "raw",
            "kind",
            "author__display_name",
            "author__handle",
            "author__external_id",
            "author__url",
            "sent_by__display_name",
            "sent_by__email",
        )
        .order_by("created_at", "id")
    )
    nodes = {m.pk: CommentNode(m, [], held=m.visibility != Visibility.VISIBLE) for m in messages}
    roots: list[CommentNode] = []
    for node in nodes.values():
        parent = nodes.get(node.message.parent_id or 0)
        (parent.children if parent else roots).append(node)
    return roots, len(nodes)


def latest_public_comments(workspace: Workspace, count: int) -> list[Message]:
    """The newest comments visitors can read: visible, on a post or page that is public now."""
    now = timezone.now()
    return list(
        Message.objects.filter(
            workspace=workspace,
            kind__in=COMMENT_KINDS,
            visibility=Visibility.VISIBLE,
            thread_root__space_post__workspace=workspace,
            thread_root__space_post__status=PostStatus.PUBLISHED,
            thread_root__space_post__published_at__lte=now,
        )
        .select_related("author", "thread_root__space_post")
        .order_by("-created_at", "-id")[:count]
    )


def comment_signature(message: Message) -> str:
    """The name a comment is signed with: the organisation's signature for team replies."""
    signature = (message.raw or {}).get("signature") if message.from_organisation else None
    if signature:
        return str(signature)
    if message.author_id and message.author is not None:
        return message.author.display_name or message.author.handle or "?"
    return "?"


# ---------------------------------------------------------------- for the team's pages and actions


def author_for_user(workspace: Workspace, user: User) -> Author | None:
    """The author a team member signs as in this workspace, if any."""
    return Author.objects.filter(workspace=workspace, user=user).first()


def tag_named(workspace: Workspace, name: str) -> Tag | None:
    """The workspace's tag of that name, whatever its case and accents' case (« été » is « Été »)."""
    name = " ".join((name or "").split())
    folded = name.casefold()
    # SQLite compares only ASCII letters without case: fetch the few candidates and compare here.
    candidates = Tag.objects.filter(workspace=workspace).filter(
        Q(name__iexact=name) | Q(slug__startswith=slug_from(name, "tag"))
    )
    return next((tag for tag in candidates if tag.name.casefold() == folded), None)


def approval_of(post: Post) -> dict[str, Any] | None:
    """The post's approval (space.actions.approval), with `outdated` set when the post was edited after it."""
    approval = (post.extra or {}).get("approval")
    if not isinstance(approval, dict):
        return None
    result = dict(approval)
    try:
        approved_version = datetime.fromisoformat(approval.get("modified_at", ""))
        result["outdated"] = post.modified_at > approved_version
    except (TypeError, ValueError):
        result["outdated"] = False
    try:
        result["at_time"] = datetime.fromisoformat(approval.get("at", ""))
    except (TypeError, ValueError):
        result["at_time"] = None
    return result

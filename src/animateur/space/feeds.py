"""RSS 2.0 and Atom feeds: the site, a category, a tag, a post's comments, and the site's comments."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from animateur.core.models import Workspace
from animateur.space import selectors
from animateur.space.cache import public_page
from animateur.space.models import Category, Post, Tag
from animateur.space.threads import COMMENT_KINDS
from animateur.space.views import site_view
from animateur.stream.models import Message, Visibility

FEED_ITEMS = 20


def _posts_feed(
    request: HttpRequest,
    workspace: Workspace,
    posts: QuerySet[Post],
    *,
    title: str,
    link: str,
    feed_class: type[Rss201rev2Feed | Atom1Feed] = Rss201rev2Feed,
) -> HttpResponse:
    items = list(posts.defer(None).select_related("author").prefetch_related("categories")[:FEED_ITEMS])
    feed = feed_class(
        title=title,
        link=request.build_absolute_uri(link),
        description=workspace.tagline or workspace.name,
        language=workspace.language,
        feed_url=request.build_absolute_uri(request.path),  # the cached copy serves every query string
    )
    for post in items:
        url = request.build_absolute_uri(selectors.post_url(post))
        feed.add_item(
            title=post.title,
            link=url,
            description=post.teaser_html,
            content=post.body_html,
            unique_id=url,
            unique_id_is_permalink=True,
            pubdate=post.published_at,
            updateddate=max(post.modified_at, post.published_at) if post.published_at else post.modified_at,
            author_name=post.author.display_name if post.author_id and post.author else None,
            categories=[c.name for c in post.categories.all()],
            comments=url + "#comments",
        )
    response = HttpResponse(content_type=f"{feed.content_type}")
    feed.write(response, "utf-8")
    return response


@public_page
@site_view
def site_feed(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return _posts_feed(
        request,
        workspace,
        selectors.public_posts(workspace),
        title=workspace.name,
        link=reverse("space:home"),
    )


@public_page
@site_view
def site_atom(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return _posts_feed(
        request,
        workspace,
        selectors.public_posts(workspace),
        title=workspace.name,
        link=reverse("space:home"),
        feed_class=Atom1Feed,
    )


@public_page
@site_view
def category_feed(request: HttpRequest, workspace: Workspace, path: str) -> HttpResponse:
    cat = Category.objects.filter(workspace=workspace, slug=path.strip("/").split("/")[-1]).first()
    if cat is None:
        raise Http404("no such category")
    through = Post.categories.through.objects.filter(
        category_id__in=selectors.category_with_descendants(cat)
    ).values("post_id")
    return _posts_feed(
        request,
        workspace,
        selectors.public_posts(workspace).filter(pk__in=through),
        title=f"{workspace.name} » {cat.name}",
        link=selectors.category_url(cat),
    )


@public_page
@site_view
def tag_feed(request: HttpRequest, workspace: Workspace, slug: str) -> HttpResponse:
    found = Tag.objects.filter(workspace=workspace, slug=slug).first()
    if found is None:
        raise Http404("no such tag")
    return _posts_feed(
        request,
        workspace,
        selectors.public_posts(workspace).filter(tags=found),
        title=f"{workspace.name} » {found.name}",
        link=selectors.tag_url(found),
    )


@public_page
@site_view
def post_comments_feed(
    request: HttpRequest, workspace: Workspace, year: str, month: str, day: str, slug: str
) -> HttpResponse:
    post = selectors.public_post_by_date(workspace, int(year), int(month), int(day), slug)
    if post is None or not selectors.is_visible_to_public(post):
        raise Http404("no such post")
    post_link = request.build_absolute_uri(selectors.post_url(post))
    feed = Rss201rev2Feed(
        title=_("Comments on: %(title)s") % {"title": post.title},
        link=post_link,
        description=workspace.tagline or workspace.name,
        language=workspace.language,
        feed_url=request.build_absolute_uri(request.path),  # the cached copy serves every query string
    )
    comments = (
        Message.objects.filter(
            thread_root_id=post.message_id, kind__in=COMMENT_KINDS, visibility=Visibility.VISIBLE
        )
        .select_related("author")
        .order_by("-created_at", "-id")[:50]
        if post.message_id
        else []
    )
    for message in comments:
        name = selectors.comment_signature(message)
        feed.add_item(
            title=_("By: %(name)s") % {"name": name},
            link=f"{post_link}#comment-{message.pk}",
            description=message.html,
            unique_id=f"{post_link}#comment-{message.pk}",
            pubdate=message.created_at,
            author_name=name,
        )
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response


@public_page
@site_view
def comments_feed(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """The latest comments of the whole site, as WordPress's /comments/feed/: visible ones on public posts only."""
    feed = Rss201rev2Feed(
        title=_("Comments for %(site)s") % {"site": workspace.name},
        link=request.build_absolute_uri(reverse("space:home")),
        description=workspace.tagline or workspace.name,
        language=workspace.language,
        feed_url=request.build_absolute_uri(request.path),
    )
    for message in selectors.latest_public_comments(workspace, FEED_ITEMS):
        post = message.thread_root.space_post  # type: ignore[union-attr]
        link = f"{request.build_absolute_uri(selectors.post_url(post))}#comment-{message.pk}"
        name = selectors.comment_signature(message)
        feed.add_item(
            title=_("Comment on %(title)s by %(name)s") % {"title": post.title, "name": name},
            link=link,
            description=message.html,
            unique_id=link,
            pubdate=message.created_at,
            author_name=name,
        )
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response

"""Factories for the public site's tests: posts, pages, taxonomy and comments, made as the app makes them."""

from __future__ import annotations

from datetime import UTC, datetime

from animateur.channels.site import site_channel
from animateur.core.models import Workspace
from animateur.space.models import Author, Category, Post, PostStatus, PostType, Tag
from animateur.space.search import index_posts
from animateur.space.threads import refresh_comment_counts, sync_post_message
from animateur.space.versions import posts_changed
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import ingest_one


def make_author(workspace: Workspace, name: str = "Sylvain Guéguen", slug: str = "sylvain") -> Author:
    return Author.objects.get_or_create(
        workspace=workspace, slug=slug, defaults={"login": slug, "display_name": name}
    )[0]


def make_category(workspace: Workspace, name: str, slug: str, parent: Category | None = None) -> Category:
    return Category.objects.create(workspace=workspace, name=name, slug=slug, parent=parent)


def make_tag(workspace: Workspace, name: str, slug: str) -> Tag:
    return Tag.objects.create(workspace=workspace, name=name, slug=slug)


def make_post(
    workspace: Workspace,
    title: str = "Tourisme et médias sociaux",
    *,
    slug: str | None = None,
    body: str = "Bonjour.",
    published_at: datetime | None = datetime(2011, 1, 6, 10, 0, tzinfo=UTC),
    status: str = PostStatus.PUBLISHED,
    type: str = PostType.POST,
    author: Author | None = None,
    categories: list[Category] = (),
    tags: list[Tag] = (),
    excerpt: str = "",
    body_format: str = "markdown",
    comments_open: bool = True,
    parent: Post | None = None,
) -> Post:
    from django.utils.text import slugify

    post = Post(
        workspace=workspace,
        title=title,
        slug=slug or slugify(title),
        body=body,
        body_format=body_format,
        excerpt=excerpt,
        status=status,
        published_at=published_at,
        type=type,
        author=author,
        comments_open=comments_open,
        parent=parent,
    )
    post.render()
    post.save()
    post.categories.set(categories)
    post.tags.set(tags)
    sync_post_message(post)
    index_posts([post.pk])
    posts_changed(workspace)
    workspace.refresh_from_db()
    return post


def add_comment(
    post: Post,
    text: str,
    *,
    name: str = "Ana",
    email: str = "ana@example.org",
    parent: Message | None = None,
    visibility: str = "visible",
) -> Message:
    """A comment as an import would bring it (with a stated visibility), through the pipeline."""
    import uuid

    channel = site_channel(post.workspace)
    post.refresh_from_db()
    message, item = ingest_one(
        Incoming(
            channel=channel,
            external_id=f"t:{uuid.uuid4().hex}",
            text=text,
            created_at=datetime(2011, 1, 7, 9, 0, tzinfo=UTC),
            author=AuthorInfo(external_id=email, display_name=name, email=email),
            kind="reply" if parent else "comment",
            parent_external_id=parent.external_id if parent else post.message.external_id,
            source_visibility=visibility,
        )
    )
    assert message is not None, item.error
    if message.visibility != visibility:
        # Automatic moderation may judge short test texts; these tests are about what the site shows.
        Message.objects.filter(pk=message.pk).update(visibility=visibility)
        message.visibility = visibility
    refresh_comment_counts([post.pk])
    return message


def page_text(response) -> str:
    """What a reader sees: the page's text with tags removed and white space collapsed."""
    import re

    import lxml.html

    root = lxml.html.fromstring(response.content.decode())
    for node in root.xpath("//script|//style|//head"):
        node.drop_tree()
    return re.sub(r"\s+", " ", root.text_content()).strip()

"""What a person comparing two sites would look at: every post, term, author and comment, by value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from animateur.core.models import Workspace
from animateur.space.models import Author, Category, Post, Tag
from animateur.space.threads import COMMENT_KINDS
from animateur.stream.models import Message

FIXTURES = Path(__file__).parent / "fixtures"


def snapshot(workspace: Workspace) -> dict[str, Any]:
    posts = {}
    for post in Post.objects.filter(workspace=workspace).select_related("author", "parent"):
        posts[(post.type, post.slug)] = {
            "title": post.title,
            "status": post.status,
            "published_at": post.published_at,
            "modified_at": post.modified_at,
            "body": post.body,
            "body_format": post.body_format,
            "excerpt": post.excerpt,
            "author": post.author.login if post.author else None,
            "categories": sorted(post.categories.values_list("slug", flat=True)),
            "tags": sorted(post.tags.values_list("slug", flat=True)),
            "parent": post.parent.slug if post.parent else None,
            "menu_order": post.menu_order,
            "is_sticky": post.is_sticky,
            "comments_open": post.comments_open,
            "attachment_url": post.attachment_url,
            "comment_count": post.comment_count,
            "has_more": post.has_more,
            "postmeta": post.extra.get("wp", {}).get("postmeta", []),
            "password": post.extra.get("wp", {}).get("post_password", ""),
        }
    categories = {
        c.slug: (c.name, c.parent.slug if c.parent else None, c.description)
        for c in Category.objects.filter(workspace=workspace).select_related("parent")
    }
    tags = {t.slug: t.name for t in Tag.objects.filter(workspace=workspace)}
    authors = {
        a.login: (a.display_name, a.email, a.first_name, a.last_name)
        for a in Author.objects.filter(workspace=workspace)
    }
    comments = []
    messages = Message.objects.filter(workspace=workspace, kind__in=COMMENT_KINDS).select_related(
        "author", "parent", "thread_root__space_post"
    )
    for m in messages:
        comments.append(
            (
                m.thread_root.space_post.slug,
                m.created_at,
                m.text,
                m.parent.text if m.parent and m.parent.kind in COMMENT_KINDS else None,
                m.visibility,
                m.kind,
                m.author.display_name if m.author else "",
                m.author.email if m.author else "",
                m.author.url if m.author else "",
                m.remote_addr,
            )
        )
    return {
        "posts": posts,
        "categories": categories,
        "tags": tags,
        "authors": authors,
        "comments": sorted(comments, key=repr),
    }

"""Writing posts and pages: create one, change it; the helpers its status changes share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.space.actions.authors import new_author
from animateur.space.actions.common import check_same_workspace, expire_pages_on_commit
from animateur.space.actions.taxonomy import tags_from
from animateur.space.models import Author, BodyFormat, Category, Post, PostStatus, PostType, Tag
from animateur.space.names import clean_slug, unique_slug
from animateur.space.selectors import author_for_user

# Statuses an author picks in the editor; "pending" is set by imports, "trash" by do_trash_post.
EDITABLE_STATUSES = (
    PostStatus.DRAFT,
    PostStatus.PENDING,
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHED,
    PostStatus.PRIVATE,
)
# Statuses that put the post on the public site now or later: they need the publish permission.
PUBLISHING_STATUSES = (PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.PRIVATE)


class PostFields(TypedDict, total=False):
    """What a post or page has; do_update_post touches only the keys given."""

    type: str
    title: str
    slug: str | None
    author: Author | None
    body: str
    body_format: str
    excerpt: str
    status: str
    published_at: datetime | None
    categories: Iterable[Category]
    tags: Iterable[Tag | str]  # names not yet known become new tags
    parent: Post | None
    menu_order: int
    comments_open: bool
    is_sticky: bool


POST_FIELDS = frozenset(PostFields.__annotations__)


def resolve_status(
    status: str, published_at: datetime | None, previous: datetime | None, now: datetime
) -> tuple[str, datetime | None]:
    """The status and publication time to store, or an ActionError naming what is wrong."""
    if status not in EDITABLE_STATUSES:
        raise ActionError(_("Unknown status: %(status)s.") % {"status": status})
    if status == PostStatus.SCHEDULED:
        when = published_at
        if when is None:
            raise ActionError(_("A scheduled post needs a publication time."))
        if when <= now:
            raise ActionError(_("The scheduled time must be in the future."))
        return status, when
    if status == PostStatus.PUBLISHED:
        when = published_at or previous or now
        # A publication time still to come is a schedule, as WordPress does it.
        return (PostStatus.SCHEDULED, when) if when > now else (status, when)
    if status == PostStatus.PRIVATE:
        return status, published_at or previous or now
    return status, published_at


def _validate_post_fields(workspace: Workspace, post: Post, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - POST_FIELDS
    if unknown:
        raise ActionError(_("Unknown post fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "title" in fields and not (fields["title"] or "").strip():
        raise ActionError(_("A title is required."))
    if "type" in fields and fields["type"] not in (PostType.POST, PostType.PAGE):
        raise ActionError(_("Unknown post type: %(type)s.") % {"type": fields["type"]})
    if "body_format" in fields and fields["body_format"] not in BodyFormat.values:
        raise ActionError(_("Unknown body format: %(format)s.") % {"format": fields["body_format"]})
    check_same_workspace(workspace, [fields.get("author"), fields.get("parent")])
    check_same_workspace(workspace, list(fields.get("categories") or []))
    parent = fields.get("parent")
    if parent is not None:
        if parent.type != PostType.PAGE:
            raise ActionError(_("The parent of a page must be a page."))
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if post.pk is not None and node.pk == post.pk:
                raise ActionError(_("A page cannot be placed under itself or one of its sub-pages."))
            seen.add(node.pk)
            node = node.parent


def _apply(post: Post, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set the scalar fields on the post; returns the relations to set once it has a primary key."""
    workspace = post.workspace
    relations: dict[str, Any] = {k: fields.pop(k) for k in ("categories", "tags") if k in fields}
    status = fields.pop("status", post.status)
    published_at = fields.pop("published_at", post.published_at)
    slug = fields.pop("slug", None)
    for field, value in fields.items():
        setattr(post, field, value.strip() if field == "title" else value)
    post.title = post.title[:500]
    post.status, post.published_at = resolve_status(status, published_at, post.published_at, now)
    if slug is not None or not post.slug:
        wanted = clean_slug(slug, post.title, post.type)
        if wanted != post.slug:
            taken = Post.objects.filter(workspace=workspace, type=post.type)
            if post.pk is not None:
                taken = taken.exclude(pk=post.pk)
            post.slug = unique_slug(wanted, taken)
    if post.type != PostType.PAGE:
        post.parent = None
    post.modified_at = now
    post.render()
    return relations


def _set_relations(post: Post, relations: dict[str, Any]) -> list[str]:
    created: list[str] = []
    if "categories" in relations:
        post.categories.set(list(relations["categories"] or []))
    if "tags" in relations:
        tags, created = tags_from(post.workspace, relations["tags"] or [])
        post.tags.set(tags)
    return created


def after_post_change(post: Post, *, was_public: bool) -> None:
    """Inside the transaction: the post's stream message and its search entry; then the page cache."""
    from animateur.space.search import index_posts
    from animateur.space.threads import sync_post_message

    post.message = sync_post_message(post)
    index_posts([post.pk])
    if was_public or post.status == PostStatus.PUBLISHED:
        expire_pages_on_commit(post.workspace)
    if post.status == PostStatus.SCHEDULED and post.published_at is not None:
        when, pk = post.published_at, post.pk
        transaction.on_commit(lambda: _enqueue_publication(pk, when))


def _enqueue_publication(post_id: int, when: datetime) -> None:
    from animateur.space.tasks import publish_scheduled_post

    publish_scheduled_post.schedule(args=(post_id,), eta=when)


def _require_status_change(actor: Actor, workspace: Workspace, before: str | None, after: str) -> None:
    if after in PUBLISHING_STATUSES and after != before:
        require(actor, workspace, "space.post.publish")
    if before in PUBLISHING_STATUSES and after != before:
        require(actor, workspace, "space.post.publish")


def _audit_state(post: Post) -> dict[str, Any]:
    return {
        "title": post.title,
        "slug": post.slug,
        "status": post.status,
        "published_at": post.published_at.isoformat() if post.published_at else None,
    }


def do_create_post(workspace: Workspace, *, actor: Actor, **fields: Unpack[PostFields]) -> Post:
    """A new post or page (`type="page"`); tags may be given as names, created on the fly.

    Without an author, a team member signs as the author linked to their account (created if needed).
    """
    require(actor, workspace, "space.post.write")
    values: dict[str, Any] = {"type": PostType.POST, "status": PostStatus.DRAFT, **fields}
    if "title" not in values:
        raise ActionError(_("A title is required."))
    post = Post(workspace=workspace, type=values["type"])
    _validate_post_fields(workspace, post, values)
    _require_status_change(actor, workspace, None, values["status"])
    now = timezone.now()
    with transaction.atomic(durable=True):
        created_author = False
        if values.get("author") is None and isinstance(actor, User):
            author = author_for_user(workspace, actor)
            if author is None:
                author, created_author = new_author(workspace, actor.name, user=actor, email=actor.email), True
            values["author"] = author
        post.created_at = now
        relations = _apply(post, values, now)
        post.save()
        created_tags = _set_relations(post, relations)
        record(
            workspace,
            actor,
            AuditVerb.SPACE_POST_CREATE,
            post,
            {
                "type": post.type,
                **_audit_state(post),
                **({"created_tags": created_tags} if created_tags else {}),
                **({"created_author": post.author.slug} if created_author and post.author else {}),
            },
        )
        after_post_change(post, was_public=False)
    return post


def do_update_post(post: Post, *, actor: Actor, **changes: Unpack[PostFields]) -> Post:
    """Change a post; only what is in `changes` is touched. Status changes check the publish permission."""
    workspace = post.workspace
    require(actor, workspace, "space.post.write")
    if post.status == PostStatus.TRASH and changes.get("status", PostStatus.TRASH) == PostStatus.TRASH:
        raise ActionError(_("This post is in the trash: restore it first."))
    _validate_post_fields(workspace, post, changes)
    before_status = post.status
    _require_status_change(actor, workspace, before_status, changes.get("status", before_status))
    was_public = before_status == PostStatus.PUBLISHED
    now = timezone.now()
    with transaction.atomic(durable=True):
        before = _audit_state(post)
        relations = _apply(post, dict(changes), now)
        post.save()
        created_tags = _set_relations(post, relations)
        after = _audit_state(post)
        data: dict[str, Any] = {"fields": sorted(changes)}
        data.update({k: [before[k], after[k]] for k in before if before[k] != after[k]})
        if created_tags:
            data["created_tags"] = created_tags
        record(workspace, actor, AuditVerb.SPACE_POST_UPDATE, post, data)
        after_post_change(post, was_public=was_public)
    return post

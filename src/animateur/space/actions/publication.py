"""A post's way to the public site and back: publish, schedule, unpublish, trash, restore."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, SystemActor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.space.actions.posts import PUBLISHING_STATUSES, after_post_change, resolve_status
from animateur.space.models import Post, PostStatus

# Who publishes a scheduled post when its time comes (space.tasks).
SCHEDULER = SystemActor("scheduler")


def _refuse_trashed(post: Post) -> None:
    if post.status == PostStatus.TRASH:
        raise ActionError(_("This post is in the trash: restore it first."))


def _set_status(
    post: Post,
    status: str,
    *,
    actor: Actor,
    verb: AuditVerb,
    permission: str,
    published_at: datetime | None = None,
) -> Post:
    require(actor, post.workspace, permission)
    with transaction.atomic(durable=True):
        _change_status(post, status, actor=actor, verb=verb, published_at=published_at)
    return post


def _change_status(
    post: Post, status: str, *, actor: Actor, verb: AuditVerb, published_at: datetime | None = None
) -> None:
    """The change itself, inside the caller's transaction."""
    workspace = post.workspace
    was_public = post.status == PostStatus.PUBLISHED
    now = timezone.now()
    before = post.status
    if status == PostStatus.TRASH:
        post.status = status
    elif status == PostStatus.DRAFT:
        post.status = status
        # A draft has no publication time unless it was once published: its date stays for its URL.
        if before == PostStatus.SCHEDULED:
            post.published_at = None
    else:
        post.status, post.published_at = resolve_status(status, published_at, post.published_at, now)
    post.modified_at = now
    post.render()
    post.save()
    data: dict[str, Any] = {
        "from": before,
        "to": post.status,
        "title": post.title,
        "published_at": post.published_at.isoformat() if post.published_at else None,
    }
    record(workspace, actor, verb, post, data)
    after_post_change(post, was_public=was_public)


def do_publish_post(post: Post, *, actor: Actor, published_at: datetime | None = None) -> Post:
    """Put the post on the public site now (or at `published_at` if it is in the past)."""
    _refuse_trashed(post)
    if published_at is not None and published_at > timezone.now():
        raise ActionError(_("A publication time in the future is a schedule: schedule the post instead."))
    return _set_status(
        post,
        PostStatus.PUBLISHED,
        actor=actor,
        verb=AuditVerb.SPACE_POST_PUBLISH,
        permission="space.post.publish",
        published_at=published_at,
    )


def do_schedule_post(post: Post, when: datetime, *, actor: Actor) -> Post:
    """Publish the post at `when` (in the future), through the task queue."""
    _refuse_trashed(post)
    return _set_status(
        post,
        PostStatus.SCHEDULED,
        actor=actor,
        verb=AuditVerb.SPACE_POST_SCHEDULE,
        permission="space.post.publish",
        published_at=when,
    )


def do_unpublish_post(post: Post, *, actor: Actor) -> Post:
    """Back to draft: the post leaves the public site (and a pending schedule is cancelled)."""
    return _set_status(
        post, PostStatus.DRAFT, actor=actor, verb=AuditVerb.SPACE_POST_UNPUBLISH, permission="space.post.publish"
    )


def do_trash_post(post: Post, *, actor: Actor) -> Post:
    if post.status == PostStatus.TRASH:
        return post
    permission = "space.post.publish" if post.status in PUBLISHING_STATUSES else "space.post.write"
    return _set_status(post, PostStatus.TRASH, actor=actor, verb=AuditVerb.SPACE_POST_TRASH, permission=permission)


def do_restore_post(post: Post, *, actor: Actor) -> Post:
    """Out of the trash, as a draft."""
    if post.status != PostStatus.TRASH:
        raise ActionError(_("This post is not in the trash."))
    return _set_status(
        post, PostStatus.DRAFT, actor=actor, verb=AuditVerb.SPACE_POST_RESTORE, permission="space.post.write"
    )


def do_publish_due_post(post_id: int, *, now: datetime | None = None) -> Post | None:
    """The scheduler's publication of a post whose time has come; None if it is no longer due.

    The row is locked in the same transaction as the change, so the timed task and the sweep never
    publish the same post twice. The scheduled time stays the publication time, even when the post
    goes live late.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        post = (
            Post.objects.select_for_update()
            .select_related("workspace")
            .filter(pk=post_id, status=PostStatus.SCHEDULED, published_at__lte=now)
            .first()
        )
        if post is None:
            return None
        _change_status(
            post,
            PostStatus.PUBLISHED,
            actor=SCHEDULER,
            verb=AuditVerb.SPACE_POST_PUBLISH,
            published_at=post.published_at,
        )
    return post

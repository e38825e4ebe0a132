"""Posts in the stream: a public post is a Message of the site channel, and its comments reply to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from animateur.channels.site import site_channel
from animateur.stream.items import Incoming
from animateur.stream.models import Kind, Message, Visibility

if TYPE_CHECKING:
    # For annotations only: the functions import the models when they run, as they always have.
    from animateur.channels.models import Channel
    from animateur.space.models import Post

COMMENT_KINDS = (Kind.COMMENT, Kind.REPLY, Kind.PINGBACK)


def post_external_id(post_id: int) -> str:
    return f"post:{post_id}"


def sync_post_message(post: Post, channel: Channel | None = None) -> Message:
    """Create or update the message that stands for the post; comments are threaded under it.

    `channel` is the workspace's site channel: a caller that syncs many posts (an import) looks
    it up once and passes it, instead of one query per post.
    """
    from animateur.space.models import Post, PostStatus

    if channel is None:
        channel = site_channel(post.workspace)
    elif channel.workspace_id != post.workspace_id:
        raise ValueError("the site channel of another workspace")
    visibility = Visibility.VISIBLE if post.status == PostStatus.PUBLISHED else Visibility.HIDDEN
    message, _ = Message.objects.update_or_create(
        channel=channel,
        external_id=post_external_id(post.pk),
        defaults={
            "workspace_id": post.workspace_id,
            "kind": Kind.POST,
            "title": post.title[:500],
            "text": post.search_text[:100_000],
            "html": "",
            "created_at": post.published_at or post.created_at,
            "visibility": visibility,
            "from_organisation": True,
        },
    )
    if message.thread_root_id != message.pk:
        Message.objects.filter(pk=message.pk).update(thread_root_id=message.pk)
        message.thread_root_id = message.pk
    if post.message_id != message.pk:
        Post.objects.filter(pk=post.pk).update(message=message)
        post.message = message
    return message


def comments_of(post: Post) -> Q:
    """The filter for a post's comments (every depth), whatever their visibility."""
    return Q(thread_root_id=post.message_id, kind__in=COMMENT_KINDS)


def refresh_comment_counts(post_ids: Iterable[int]) -> None:
    """Recount the visible comments of these posts (the count shown next to a post)."""
    from animateur.space.models import Post

    ids = list(set(post_ids))
    if not ids:
        return
    counts = dict(
        Post.objects.filter(pk__in=ids)
        .annotate(
            n=Count(
                "message__thread_messages",
                filter=Q(
                    message__thread_messages__visibility=Visibility.VISIBLE,
                    message__thread_messages__kind__in=COMMENT_KINDS,
                ),
            )
        )
        .values_list("pk", "n")
    )
    for post_id, n in counts.items():
        Post.objects.filter(pk=post_id).update(comment_count=n)


def refresh_counts_for_messages(items: list[Incoming]) -> None:
    """Pipeline hook: a stored site comment may change its post's visible count."""
    from animateur.space.models import Post

    roots = {
        item.message.thread_root_id
        for item in items
        if item.message is not None
        and item.message.thread_root_id is not None
        and item.channel.kind == "site"
        and item.message.kind in COMMENT_KINDS
    }
    if roots:
        refresh_comment_counts(Post.objects.filter(message_id__in=roots).values_list("pk", flat=True))

"""Posts in the stream: a public post is a Message of the site channel, and its comments reply to it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, Q

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
    from animateur.space.models import Post

    if channel is None:
        channel = site_channel(post.workspace)
    elif channel.workspace_id != post.workspace_id:
        raise ValueError("the site channel of another workspace")
    message, _ = Message.objects.update_or_create(
        channel=channel, external_id=post_external_id(post.pk), defaults=_message_fields(post)
    )
    if message.thread_root_id != message.pk:
        Message.objects.filter(pk=message.pk).update(thread_root_id=message.pk)
        message.thread_root_id = message.pk
    if post.message_id != message.pk:
        Post.objects.filter(pk=post.pk).update(message=message)
        post.message = message
    return message


def create_post_messages(posts: list[Post], channel: Channel) -> None:
    """The messages of posts just inserted (an import's chunk), in two statements instead of a few per post."""
    from animateur.space.models import Post

    if not posts:
        return
    if any(post.workspace_id != channel.workspace_id for post in posts):
        raise ValueError("the site channel of another workspace")
    messages = Message.objects.bulk_create(
        [Message(channel=channel, external_id=post_external_id(post.pk), **_message_fields(post)) for post in posts]
    )
    for post, message in zip(posts, messages, strict=True):
        message.thread_root_id = message.pk
        post.message_id = message.pk  # not the object: a post <-> message cycle would wait for the collector
    Message.objects.filter(pk__in=[message.pk for message in messages]).update(thread_root_id=F("id"))
    _set_column(Post, "message_id", [(post.message_id, post.pk) for post in posts])


def _set_column(model: Any, column: str, values: list[tuple[Any, int]]) -> None:
    """(value, key) pairs written by one statement run for each row: Django's bulk_update builds a CASE
    with a clause per row, ten times slower and holding every row's expression in memory."""
    if not values:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s WHERE {quote('id')} = %s",  # noqa: S608
            values,
        )


def _message_fields(post: Post) -> dict[str, Any]:
    from animateur.space.models import PostStatus

    return {
        "workspace_id": post.workspace_id,
        "kind": Kind.POST,
        "title": post.title[:500],
        "text": post.search_text[:100_000],
        "html": "",
        "created_at": post.published_at or post.created_at,
        "visibility": Visibility.VISIBLE if post.status == PostStatus.PUBLISHED else Visibility.HIDDEN,
        "from_organisation": True,
    }


def refresh_comment_counts(post_ids: Iterable[int]) -> None:
    """Recount the visible comments of these posts (the count shown next to a post).

    Counted 500 posts at a time, and only the counts that changed are written: an import recounts
    thousands of posts, most of them once already by the pipeline's hook.
    """
    from animateur.space.models import Post

    ids = sorted(set(post_ids))
    for start in range(0, len(ids), 500):
        rows = (
            Post.objects.filter(pk__in=ids[start : start + 500])
            .annotate(
                n=Count(
                    "message__thread_messages",
                    filter=Q(
                        message__thread_messages__visibility=Visibility.VISIBLE,
                        message__thread_messages__kind__in=COMMENT_KINDS,
                    ),
                )
            )
            .values_list("pk", "comment_count", "n")
        )
        _set_column(Post, "comment_count", [(n, pk) for pk, current, n in rows if current != n])


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


def refresh_counts_after_visibility(messages: list[Message]) -> None:
    """Stream hook (stream/actions.ON_VISIBILITY_CHANGE): comments shown or hidden change their posts' counts."""
    from animateur.space.models import Post

    roots = {m.thread_root_id for m in messages if m.channel.kind == "site" and m.thread_root_id}
    if roots:
        refresh_comment_counts(Post.objects.filter(message_id__in=roots).values_list("pk", flat=True))

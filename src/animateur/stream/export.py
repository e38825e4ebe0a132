"""A workspace's whole stream as JSON Lines: its data always leaves with it.

Read in chunks (a server-side cursor on PostgreSQL), written a line at a time: memory stays flat
whatever the number of messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from animateur.core.actions import Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.stream.models import Message

CHUNK = 2000
FIELDS = (
    "id", "channel__name", "channel__kind", "external_id", "parent_id", "thread_root_id", "kind", "title",
    "text", "html", "url", "language", "created_at", "edited_at", "visibility", "scores", "sentiment",
    "author__member_id", "author__handle", "author__display_name",
)  # fmt: skip


def _line(message: Message) -> dict[str, Any]:
    author = message.author
    return {
        "id": message.pk,
        "channel": {"name": message.channel.name, "kind": message.channel.kind},
        "external_id": message.external_id,
        "parent_id": message.parent_id,
        "thread_root_id": message.thread_root_id,
        "kind": message.kind,
        "author": (
            {"member_id": author.member_id, "handle": author.handle, "name": author.display_name}
            if author is not None
            else None
        ),
        "title": message.title,
        "text": message.text,
        "html": message.html,
        "url": message.url,
        "language": message.language,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "visibility": message.visibility,
        "scores": message.scores,
        "sentiment": message.sentiment,
    }


def stream_lines(workspace: Workspace) -> Iterator[str]:
    messages = (
        Message.objects.filter(workspace=workspace).select_related("channel", "author").only(*FIELDS).order_by("id")
    )
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    for message in messages.iterator(chunk_size=CHUNK):
        yield encoder.encode(_line(message)) + "\n"


def do_export_stream(
    workspace: Workspace, out: IO[str], *, actor: Actor, progress: Callable[[int], None] | None = None
) -> int:
    """Write every message of the workspace to `out`; returns how many. Recorded, since it carries
    every member's words and names."""
    require(actor, workspace, "stream.export")
    count = 0
    for line in stream_lines(workspace):
        out.write(line)
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count)
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.STREAM_EXPORT, workspace, {"messages": count})
    return count


def total(workspace: Workspace) -> int:
    return Message.objects.filter(workspace=workspace).count()

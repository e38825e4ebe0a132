"""Messages for members tests, through the real pipeline, on any channel."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from animateur.channels.models import Channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline

_ids = itertools.count(1)


def channel(workspace, kind: str = "files", name: str | None = None) -> Channel:
    return Channel.objects.create(workspace=workspace, kind=kind, name=name or f"{kind}-{next(_ids)}")


def say(
    ch: Channel,
    author_id: str,
    text: str = "Bonjour",
    *,
    name: str = "",
    handle: str = "",
    email: str = "",
    url: str = "",
    parent: Message | None = None,
    kind: str = "comment",
    created_at: datetime | None = None,
    raw: dict | None = None,
) -> Message:
    item = Incoming(
        channel=ch,
        external_id=f"m{next(_ids)}",
        text=text,
        created_at=created_at or timezone.now(),
        author=AuthorInfo(external_id=author_id, display_name=name, handle=handle, email=email, url=url),
        parent_external_id=parent.external_id if parent else None,
        kind=kind,
        source_visibility="visible",
        language="fr",
        raw=raw or {},
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    return result.created[0]

"""Messages for inbox tests, through the real pipeline (so the inbox hook runs as in production)."""

from __future__ import annotations

import itertools
from datetime import datetime

from django.utils import timezone

from animateur.channels.models import Channel
from animateur.channels.site import site_channel
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Message
from animateur.stream.pipeline import run_pipeline
from tests.space.test_site_factories import make_post

_ids = itertools.count(1)


def post_message(workspace, title: str = "Un article") -> Message:
    post = make_post(workspace, title, slug=f"article-{next(_ids)}")
    post.refresh_from_db()
    return post.message


def inbound(
    workspace,
    text: str,
    *,
    parent: Message | None = None,
    channel: Channel | None = None,
    name: str = "Ana",
    email: str = "ana@example.org",
    created_at: datetime | None = None,
    kind: str = "comment",
    language: str = "fr",
) -> Message:
    channel = channel or site_channel(workspace)
    item = Incoming(
        channel=channel,
        external_id=f"t{next(_ids)}",
        text=text,
        created_at=created_at or timezone.now(),
        author=AuthorInfo(external_id=email, display_name=name, email=email),
        parent_external_id=parent.external_id if parent else None,
        kind=kind,
        source_visibility="visible",
        language=language,
    )
    result = run_pipeline([item])
    assert not result.rejected, result.rejected[0].error
    return result.created[0]


def other_channel(workspace, kind: str = "mastodon") -> Channel:
    return Channel.objects.create(workspace=workspace, kind=kind, name=kind)

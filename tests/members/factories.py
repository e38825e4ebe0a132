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


def members_objects(workspace) -> dict[str, int]:
    """Ids for the walks over every URL: a member with two identities (one merged in), an open
    suggestion, a merge that can be undone."""
    from animateur.core.actions import SystemActor
    from animateur.members import actions
    from animateur.members.models import MergeSuggestion
    from animateur.stream.models import Identity

    system = SystemActor("tests")
    masto, sky, forum = channel(workspace, "mastodon"), channel(workspace, "bluesky"), channel(workspace)
    first = say(masto, "w1", name=f"Walk {workspace.slug}", handle="walker").author.member
    second = say(sky, "w2", name=f"Walk {workspace.slug}", handle="walker").author.member
    say(forum, "w3", name="Pat Walker")
    say(forum, "w4", name="Pat Walker")
    actions.do_recompute_members(workspace, actor=system)
    merge = actions.do_merge_members(workspace, first, second, actor=system)
    suggestion = MergeSuggestion.objects.filter(workspace=workspace, status="open").first()
    assert suggestion is not None
    identity = first.identities.order_by("id").last()
    assert identity is not None
    segment = actions.do_save_segment(workspace, "Nouveaux", "cohort=newcomers", actor=system)
    field = actions.do_save_custom_field(workspace, "Ville", "text", actor=system)
    other = Identity.objects.get(channel=forum, external_id="w3").member_id
    return {
        "field_id": field.pk,
        "other_id": other,
        "member_id": first.pk,
        "identity_id": identity.pk,
        "merge_id": merge.pk,
        "suggestion_id": suggestion.pk,
        "segment_id": segment.pk,
    }

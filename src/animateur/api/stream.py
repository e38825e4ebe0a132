"""The stream endpoint: every stored message of the token's workspace, with the stream page's filters.

The same reads as the team's stream page (stream.selectors), the same filters, checked the same way
(stream.forms): a bad filter is a 400 that names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.channels.apps import heard_elsewhere
from animateur.stream import selectors
from animateur.stream.forms import StreamFilterForm

router = Router(tags=["stream"])


class StreamMessageOut(Schema):
    id: int
    channel: int
    channel_name: str
    channel_kind: str
    # Heard by a listening source (a search of another network, a news feed), not said to the team.
    heard_elsewhere: bool
    kind: str
    visibility: str
    language: str
    author: str
    title: str
    text: str
    url: str
    created_at: datetime
    received_at: datetime
    # What storing it led to: opened, joined, history, skipped, ours or none; and in words.
    outcome: str
    outcome_text: str
    conversation: int | None
    # Reactions and shares at the source, as last read (stream/counts.py): by kind (like, love,
    # celebrate, favourite ...), their total, and shares (boosts, reposts); null where the network
    # does not say or was not asked, and when they were read.
    reactions: dict[str, int] | None
    reaction_count: int | None
    share_count: int | None
    counts_read_at: datetime | None


class StreamPageOut(Schema):
    messages: list[StreamMessageOut]
    # The `before` of the next (older) page, if there is one.
    next_before: int | None
    # When a search read only the latest messages: the oldest one it read.
    searched_since: datetime | None


class FilterErrors(Schema):
    detail: str
    errors: dict[str, list[str]]


def _out(row: selectors.Row) -> dict[str, Any]:
    m = row.message
    return {
        "id": m.pk,
        "channel": m.channel_id,
        "channel_name": m.channel.name,
        "channel_kind": m.channel.kind,
        "heard_elsewhere": heard_elsewhere(m.channel.kind),
        "kind": m.kind,
        "visibility": m.visibility,
        "language": m.language,
        "author": m.author_name,
        "title": m.title,
        "text": m.text,
        "url": m.url,
        "created_at": m.created_at,
        "received_at": m.received_at,
        "outcome": row.outcome.code,
        "outcome_text": row.outcome.text,
        "conversation": row.outcome.conversation_id,
        "reactions": m.reactions,
        "reaction_count": m.reaction_count,
        "share_count": m.share_count,
        "counts_read_at": m.counts_read_at,
    }


@router.get("/messages", response={200: StreamPageOut, 400: FilterErrors})
@needs("stream.read")
def list_messages(
    request: TokenRequest,
    q: str = "",
    channel: str = "",
    kind: str = "",
    visibility: str = "",
    language: str = "",
    since: str = "",
    until: str = "",
    history: str = "",
    heard: str = "",
    before: str = "",
) -> tuple[int, dict[str, Any]]:
    """Messages newest first, 50 a page; `before` (the previous page's `next_before`) gives the next one.

    Dates are YYYY-MM-DD, in the workspace's time zone; `history` is `yes` (kept as history only) or
    `no` (everything else); `heard` is `yes` (heard elsewhere, by the listening sources) or `no` (on the
    organisation's own channels).
    """
    params = {
        "q": q,
        "channel": channel,
        "kind": kind,
        "visibility": visibility,
        "language": language,
        "since": since,
        "until": until,
        "history": history,
        "heard": heard,
        "before": before,
    }
    form = StreamFilterForm(params, workspace=request.auth.workspace)
    if not form.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return 400, {"detail": "invalid filters: " + ", ".join(errors), "errors": errors}
    page = selectors.page_of(request.auth.workspace, form.filters())
    return 200, {
        "messages": [_out(row) for row in page.rows],
        "next_before": page.next_before,
        "searched_since": page.searched_since,
    }

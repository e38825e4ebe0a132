"""What flows through the pipeline: an incoming contribution and what the stages learn of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from animateur.stream.counts import Counts
from animateur.stream.models import Identity, Member, Message

if TYPE_CHECKING:  # the stream sits below channels: the channel is carried, never imported
    from animateur.channels.models import Channel


@dataclass
class AuthorInfo:
    external_id: str
    display_name: str = ""
    handle: str = ""
    email: str = ""
    url: str = ""
    user_id: int | None = None


@dataclass
class Reason:
    """Why the moderate stage decided what it did; shown to moderators."""

    source: str  # "first-comment", "watched-word", "rule:<id>", "spam-score" ...
    detail: str = ""
    score: float | None = None
    action: str = "hold"  # hold, hide, spam, flag, label, approve


@dataclass
class Incoming:
    channel: Channel
    external_id: str
    text: str
    created_at: datetime
    author: AuthorInfo | None = None
    # When the source says the item was last edited (Mastodon's edited_at): of two copies of one
    # item in a batch, the one edited last is kept.
    edited_at: datetime | None = None
    kind: str = "comment"
    html: str | None = None
    title: str = ""
    url: str = ""
    parent_external_id: str | None = None
    # Farther ancestors, nearest first (a mail's References): while the parent is not stored, the
    # message is linked to the nearest of them that is, and still awaits the nearer ones.
    ancestor_external_ids: list[str] = field(default_factory=list)
    language: str | None = None
    # A visibility the source states (an import's "approved" or "spam"); moderation may still hold.
    source_visibility: str | None = None
    deleted_at_source: bool = False
    # History, not work (an import of years-old comments): stored and moderated like any item, but
    # hooks that notify, alert, auto-reply or open work for the team skip it.
    historical: bool = False
    from_organisation: bool = False
    sent_by_id: int | None = None
    remote_addr: str | None = None
    user_agent: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # Reactions and shares at the source, where it says (stream/counts.py): stored with the message,
    # and written again on a stored one read anew even when nothing else of it changed.
    counts: Counts | None = None
    # Filled in by the stages.
    existing: Message | None = None
    # The languages the detector chose among when it found none of them (the text is in another).
    undetected_among: tuple[str, ...] = ()
    unchanged: bool = False
    identity: Identity | None = None
    member: Member | None = None
    first_from_author: bool = False
    sentiment: str = ""
    scores: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    visibility: str | None = None
    message: Message | None = None
    # Replies stored before this message that waited for it, linked to it by `store`.
    linked_replies: list[Message] = field(default_factory=list)
    error: str | None = None

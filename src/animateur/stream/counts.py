"""What people did with a message at the source: reactions by kind and shares, as last read.

A connector reads them where its network says (Mastodon's favourites and boosts, Bluesky's likes and
reposts, Facebook's reactions by type and shares, LinkedIn's reaction summaries, Instagram's and
YouTube's likes) and hands them over as `Counts`: on the `Incoming` it normalizes, or for messages
already stored, through `update_counts` when it reads them again (channels/runner.py re-reads the
organisation's recent posts). Counts change after a message is stored; a new reading replaces the
old one on the row and nothing else: no new message, no moderation, no inbox work.

Reaction kinds are the network's own, in lower case: like, love, celebrate, support, insightful,
funny (LinkedIn), like, love, care, haha, wow, sad, angry (Facebook), favourite (Mastodon), like
(Bluesky, Instagram, YouTube). A network that gives only a total keeps an empty dict of kinds.

A change that matters is announced: `message.engagement_changed` when a message's reactions and
shares together pass a milestone (10, 25, 50, 100, 250 ...), once per milestone; not at its first
reading (a post read for the first time with its history is no news).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from animateur.stream.models import Message

COUNT_FIELDS = ["reactions", "reaction_count", "share_count", "counts_read_at"]

# The kinds in the team's words; the networks' own names where they are names (Haha, Wow).
REACTION_LABELS: dict[str, Promise] = {
    "like": pgettext_lazy("reaction", "Like"),
    "love": pgettext_lazy("reaction", "Love"),
    "care": pgettext_lazy("reaction", "Care"),
    "celebrate": pgettext_lazy("reaction", "Celebrate"),
    "support": pgettext_lazy("reaction", "Support"),
    "insightful": pgettext_lazy("reaction", "Insightful"),
    "funny": pgettext_lazy("reaction", "Funny"),
    "curious": pgettext_lazy("reaction", "Curious"),
    "haha": pgettext_lazy("reaction", "Haha"),
    "wow": pgettext_lazy("reaction", "Wow"),
    "sad": pgettext_lazy("reaction", "Sad"),
    "angry": pgettext_lazy("reaction", "Angry"),
    "favourite": pgettext_lazy("reaction", "Favourite"),
}


def reaction_label(kind: str) -> Promise:
    """A reaction kind in the team's words; one a network added since is « Other »."""
    return REACTION_LABELS.get(kind, pgettext_lazy("reaction", "Other"))


MILESTONES = (10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 1_000_000)


def count(value: Any) -> int | None:
    """A count as a source gives it (an int, a string of digits), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass
class Counts:
    """One reading of a message's reactions and shares; None where the source said nothing."""

    reactions: dict[str, int] = field(default_factory=dict)
    # The total when the source gives one (Facebook's summary); otherwise the sum of the kinds.
    total: int | None = None
    shares: int | None = None

    @property
    def reaction_count(self) -> int | None:
        if self.total is not None:
            return self.total
        return sum(self.reactions.values()) if self.reactions else None

    @property
    def empty(self) -> bool:
        return self.reaction_count is None and self.shares is None

    @classmethod
    def of(cls, kinds: Mapping[str, Any] | None = None, *, total: Any = None, shares: Any = None) -> Counts | None:
        """Counts from a source's values (kinds with no count left out); None when it said nothing."""
        reactions = {str(k)[:40]: n for k, v in (kinds or {}).items() if (n := count(v)) is not None}
        found = cls(reactions, count(total), count(shares))
        return None if found.empty else found


def engagement_of(reaction_count: int | None, share_count: int | None) -> int:
    return (reaction_count or 0) + (share_count or 0)


def apply(message: Message, counts: Counts, now: datetime) -> bool:
    """Write a reading on the message (not saved); whether a count changed."""
    state = message.__dict__
    before = (state.get("reactions"), state.get("reaction_count"), state.get("share_count"))
    reactions = dict(counts.reactions) if counts.reactions else (before[0] if counts.total is None else {})
    after = (
        reactions if reactions is not None else None,
        counts.reaction_count if counts.reaction_count is not None else before[1],
        counts.shares if counts.shares is not None else before[2],
    )
    state["reactions"], state["reaction_count"], state["share_count"] = after
    state["counts_read_at"] = now
    return after != before


def milestone_passed(before: int | None, after: int) -> int | None:
    """The highest milestone `after` reached that `before` (a stored total) had not; None at a first reading."""
    if before is None:
        return None
    passed = [m for m in MILESTONES if before < m <= after]
    return passed[-1] if passed else None


def update_counts(channel: Any, found: Mapping[str, Counts]) -> list[Message]:
    """Write new readings of stored messages of `channel` (by external id), in one transaction;
    returns the messages whose counts changed. Nothing else of them is touched; an external id not
    stored is ignored (a message not read yet is read with its counts by the channel's poll)."""
    from animateur.stream.models import Message

    if not found:
        return []
    now = timezone.now()
    changed: list[Message] = []
    passed: list[tuple[Message, int, int]] = []
    with transaction.atomic():
        # Locked (the row alone: its author may be null), so a poll storing the same message waits.
        messages = Message.objects.filter(channel_id=channel.pk, external_id__in=list(found))
        read: list[Message] = []
        for message in messages.select_related("author").select_for_update(of=("self",)):
            before = engagement_of(message.reaction_count, message.share_count)
            known = message.reaction_count is not None or message.share_count is not None
            if apply(message, found[message.external_id], now):
                changed.append(message)
                after = engagement_of(message.reaction_count, message.share_count)
                milestone = milestone_passed(before if known else None, after)
                if milestone is not None:
                    passed.append((message, milestone, before))
            read.append(message)
        Message.objects.bulk_update(read, COUNT_FIELDS, batch_size=500)
        if passed:
            announce(channel, passed)
    return changed


def announce(channel: Any, passed: Iterable[tuple[Message, int, int]]) -> None:
    """`message.engagement_changed` for each message that passed a milestone (on commit)."""
    from animateur.core.events import emit_many, listened, message_data

    workspace = channel.workspace
    if not listened(workspace, "message.engagement_changed"):
        return
    events = []
    for message, milestone, before in passed:
        message._state.fields_cache["channel"] = channel
        events.append(("message.engagement_changed", engagement_data(message, milestone, before, message_data)))
    emit_many(workspace, events)


def engagement_data(message: Message, milestone: int, before: int, describe: Any) -> dict[str, Any]:
    return {
        "message": describe(message),
        "milestone": milestone,
        "previous_total": before,
        "reactions": dict(message.reactions or {}),
        "reaction_count": message.reaction_count,
        "share_count": message.share_count,
    }

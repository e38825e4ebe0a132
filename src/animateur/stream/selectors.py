"""Reads of the whole stream, shared by the team's stream page, the channel page and the API.

Every stored message can be found here, history included: a channel's past opens no conversation
(see channels/runner.py), so the inbox never shows it, but the stream does, and says why it has none.

Pages are read through the (workspace, -created_at) index, newest first, with a keyset cursor
(`before`: the last message of the previous page) rather than an OFFSET. A search has no index to
read (the stream keeps no full-text index of its own): it matches folded words within the
SEARCH_WINDOW latest messages that the other filters let through, and says so, so that a rare word
never makes a page read a million rows; dates reach further back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from animateur.config.env import env_int
from animateur.core.models import Workspace
from animateur.stream.folding import Folded, fold, glob_pattern
from animateur.stream.models import Message, Visibility

# The margin before a channel's connection within which what was written is still work: the same
# setting as channels/runner.py's, which decides it when items are stored.
HISTORY_MARGIN_HOURS = 24
PER_PAGE = 50
SEARCH_WINDOW = 100_000
MAX_TERMS = 8
WORD = re.compile(r"\w+", re.UNICODE)
# Visibilities the inbox never opens a conversation for (inbox/hooks.py), each with its reason.
SKIPPED_REASONS = {
    Visibility.SPAM: "spam",
    Visibility.HIDDEN: "hidden",
    Visibility.TRASH: "trash",
    Visibility.DELETED: "deleted",
}


# The channel kinds whose messages are heard elsewhere (listening sources: not addressed to the team).
# The channels app sits a layer above and knows them; listening registers them when it is ready.
HEARD_ELSEWHERE_KINDS: set[str] = set()


def register_heard_elsewhere(kinds: Iterable[str]) -> None:
    HEARD_ELSEWHERE_KINDS.update(kinds)


def history_margin() -> timedelta:
    return timedelta(hours=env_int("ANIMATEUR_CHANNEL_HISTORY_HOURS", HISTORY_MARGIN_HOURS))


@dataclass(frozen=True)
class StreamFilters:
    q: str = ""
    channel_id: int | None = None
    kind: str = ""
    visibility: str = ""
    language: str = ""
    since: date | None = None
    until: date | None = None
    history: str = ""  # "yes": kept as history only; "no": everything else
    heard: str = ""  # "yes": heard elsewhere only (listening sources); "no": on the organisation's channels
    before: int | None = None  # the last message of the previous page


@dataclass(frozen=True)
class Outcome:
    """What storing a message led to, and why, in words."""

    code: str  # opened, joined, history, skipped, ours, none
    conversation_id: int | None
    text: str


@dataclass
class Row:
    message: Message
    outcome: Outcome


@dataclass
class StreamPage:
    rows: list[Row]
    next_before: int | None
    # Set when a search read only the SEARCH_WINDOW latest messages: the oldest one it read.
    searched_since: datetime | None = None
    filters: StreamFilters = field(default_factory=StreamFilters)


def search_terms(query: str) -> list[str]:
    return WORD.findall(fold(query or ""))[:MAX_TERMS]


def _history_cut() -> ExpressionWrapper:
    return ExpressionWrapper(F("channel__created_at") - Value(history_margin()), output_field=DateTimeField())


def _zone(workspace: Workspace) -> ZoneInfo | Any:
    try:
        return ZoneInfo(workspace.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _day_start(day: date, workspace: Workspace) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_zone(workspace))


def filtered(workspace: Workspace, filters: StreamFilters) -> QuerySet[Message]:
    """The workspace's messages the filters let through, search and cursor aside."""
    qs = Message.objects.filter(workspace=workspace)
    if filters.channel_id is not None:
        qs = qs.filter(channel_id=filters.channel_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.visibility:
        qs = qs.filter(visibility=filters.visibility)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.since:
        qs = qs.filter(created_at__gte=_day_start(filters.since, workspace))
    if filters.until:
        qs = qs.filter(created_at__lt=_day_start(filters.until + timedelta(days=1), workspace))
    # History: what would have been work had it been written later (our own words never are).
    history = Q(conversation_item__isnull=True, from_organisation=False, created_at__lt=_history_cut())
    if filters.history == "yes":
        qs = qs.filter(history)
    elif filters.history == "no":
        qs = qs.exclude(history)
    if filters.heard == "yes":
        qs = qs.filter(channel__kind__in=sorted(HEARD_ELSEWHERE_KINDS))
    elif filters.heard == "no":
        qs = qs.exclude(channel__kind__in=sorted(HEARD_ELSEWHERE_KINDS))
    return qs


def newest_first(qs: QuerySet[Message]) -> QuerySet[Message]:
    # Ties on the time by id ascending: SQLite's index on (workspace, -created_at) ends with the rowid in
    # that order, so a page is read in index order and nothing is sorted.
    return qs.order_by("-created_at", "id")


def matching(qs: QuerySet[Message], query: str) -> QuerySet[Message]:
    """Messages whose title or text holds every word of the query, accents and case aside."""
    terms = search_terms(query)
    if not terms:
        return qs
    if connection.vendor == "sqlite":
        where = "(stream_message.title || ' ' || stream_message.text) GLOB %s"
        return qs.extra(where=[where] * len(terms), params=[glob_pattern(t) for t in terms])  # noqa: S610 - words as parameters
    qs = qs.alias(folded_text=Folded(Concat("title", Value(" "), "text", output_field=TextField())))
    for term in terms:
        qs = qs.filter(folded_text__contains=term)
    return qs


def page_of(workspace: Workspace, filters: StreamFilters, per_page: int | None = None) -> StreamPage:
    """One page of the stream, newest first, each message with what storing it led to."""
    per_page = per_page or PER_PAGE
    qs = newest_first(filtered(workspace, filters))
    searched_since = None
    if search_terms(filters.q):
        oldest_read = qs.values_list("created_at", flat=True)[SEARCH_WINDOW - 1 : SEARCH_WINDOW].first()
        if oldest_read is not None:
            qs = qs.filter(created_at__gte=oldest_read)
            searched_since = oldest_read
        qs = matching(qs, filters.q)
    if filters.before is not None:
        anchor = Message.objects.filter(workspace=workspace, pk=filters.before).values_list("created_at", flat=True)
        at = anchor.first()
        if at is None:
            return StreamPage([], None, searched_since, filters)
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__gt=filters.before))
    messages = list(
        qs.select_related("channel", "author")
        .defer("raw", "html", "previous_versions", "scores", "user_agent", "remote_addr")
        .annotate(conversation_pk=F("conversation_item__conversation_id"), opened_pk=F("conversation__id"))[
            : per_page + 1
        ]
    )
    more = len(messages) > per_page
    messages = messages[:per_page]
    margin = history_margin()
    return StreamPage(
        [Row(m, outcome_of(m, margin)) for m in messages],
        messages[-1].pk if more and messages else None,
        searched_since,
        filters,
    )


def latest_of_channel(workspace: Workspace, channel_id: int, received_since: datetime, limit: int = 10) -> list[Row]:
    """The channel's messages received since a moment (its latest runs), last arrived first, with what each
    led to (the channel page).

    Read through the (workspace, visibility, -received_at) index, every visibility named so that the
    index applies: only the window is read, however many messages the channel holds.
    """
    messages = list(
        Message.objects.filter(
            workspace=workspace,
            visibility__in=Visibility.values,
            received_at__gte=received_since,
            channel_id=channel_id,
        )
        .select_related("channel", "author")
        .defer("raw", "html", "previous_versions", "scores", "user_agent", "remote_addr")
        .annotate(conversation_pk=F("conversation_item__conversation_id"), opened_pk=F("conversation__id"))
        .order_by("-received_at", "-id")[:limit]
    )
    margin = history_margin()
    return [Row(m, outcome_of(m, margin)) for m in messages]


def _day(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def _source_added_after(message: Message, margin: timedelta) -> datetime | None:
    """When a source of the channel was added, if the message was written before that (less the margin)."""
    from django.utils.dateparse import parse_datetime

    channel = message.channel
    config = channel.config or {}
    latest = None
    for name, added in (channel.source_times or {}).items():
        when = parse_datetime(str((added or {}).get("added_at") or ""))
        if when is None or (added or {}).get("value") != config.get(name):
            continue
        if message.created_at < max(channel.created_at, when) - margin and (latest is None or when > latest):
            latest = when
    return latest


def outcome_of(message: Message, margin: timedelta) -> Outcome:
    """Whether the message opened or joined a conversation, or why it opened none.

    Reads `conversation_pk` and `opened_pk` when the query annotated them (page_of does).
    """
    opened = getattr(message, "opened_pk", None)
    joined = getattr(message, "conversation_pk", None)
    if opened:
        return Outcome("opened", opened, _("Opened a conversation."))
    if joined:
        return Outcome("joined", joined, _("Part of a conversation."))
    if message.from_organisation:
        return Outcome("ours", None, _("No conversation: written by the team."))
    written = _day(message.created_at)
    connected_at = message.channel.created_at
    if message.created_at < connected_at - margin:
        text = _("Kept as history: written on %(written)s, before the channel was connected (on %(connected)s).") % {
            "written": written,
            "connected": _day(connected_at),
        }
        return Outcome("history", None, text)
    added = _source_added_after(message, margin)
    if added is not None:
        text = _(
            "Kept as history: written on %(written)s, before this source was added to the channel (on %(added)s)."
        ) % {
            "written": written,
            "added": _day(added),
        }
        return Outcome("history", None, text)
    reason = SKIPPED_REASONS.get(Visibility(message.visibility)) if message.visibility in Visibility.values else None
    if reason == "spam":
        return Outcome("skipped", None, _("No conversation: classed as spam."))
    if reason == "hidden":
        return Outcome("skipped", None, _("No conversation: hidden."))
    if reason == "trash":
        return Outcome("skipped", None, _("No conversation: in the trash."))
    if reason == "deleted":
        return Outcome("skipped", None, _("No conversation: deleted at the source."))
    if message.channel.kind in HEARD_ELSEWHERE_KINDS:
        return Outcome(
            "none", None, _("No conversation: heard elsewhere, by a listening source (a crisis room can bring it in).")
        )
    return Outcome("none", None, _("No conversation: stored as history (an import) or not work for the team."))

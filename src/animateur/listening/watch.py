"""Finding a search's spikes in its stored matches, and explaining them (spikes.py decides)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from animateur.core.actions import SystemActor
from animateur.listening import scan, spikes
from animateur.listening.matcher import terms_of
from animateur.listening.models import SavedSearch, SearchMatch, Spike
from animateur.listening.query import parse
from animateur.stream.models import Message

LISTENING = SystemActor("listening")
BASELINE_DAYS = 28
MAX_EXPLAINED = 3000


def _facets(search: SavedSearch, start: datetime, end: datetime) -> spikes.Facets:
    ids = (
        SearchMatch.objects.filter(search=search, created_at__gte=start, created_at__lt=end)
        .order_by("-created_at")
        .values_list("message_id", flat=True)[:MAX_EXPLAINED]
    )
    facets = spikes.Facets()
    channels = scan.channel_names(search.workspace)
    for batch in scan.rows(search.workspace, Message.objects.filter(pk__in=list(ids))):
        for row in batch:
            author = " ".join(row.doc.author_words[:1]) if row.doc.author_words else ""
            facets.add(row.doc.words, author, row.doc.linked_hosts, channels.get(row.channel_id, ("", ""))[1])
    return facets


def explain(search: SavedSearch, starts_at: datetime, ends_at: datetime) -> dict:
    """What grew in the spike compared with the four weeks before it."""
    during = _facets(search, starts_at, ends_at)
    before = _facets(search, starts_at - timedelta(days=BASELINE_DAYS), starts_at)
    explained: dict = spikes.drivers(during, before, skip_terms=terms_of(parse(search.query)))
    explained["messages"] = during.messages
    explained["baseline_messages"] = before.messages
    return explained


def check_search(search: SavedSearch, *, since: datetime | None = None, announce: bool = True) -> list[Spike]:
    """Record the spikes of a search's matches from `since` on (all of them when None).

    The live check counts hours, so that a burst is seen within the hour; over the whole history
    the period fits the search's volume (days for a quiet one)."""
    from animateur.listening.actions import do_record_spike

    window_start = None if since is None else since - timedelta(weeks=spikes.SEASONS, days=2)
    matches = SearchMatch.objects.filter(search=search)
    if window_start is not None:
        matches = matches.filter(created_at__gte=window_start)
    moments = list(matches.values_list("created_at", flat=True))
    if not moments:
        return []
    recorded = []
    bucket = spikes.HOUR if since is not None else None
    for found in spikes.find_spikes(moments, bucket, since=since):
        spike = do_record_spike(
            search, found.starts_at, found.ends_at, found.count, found.expected,
            explain(search, found.starts_at, found.ends_at), announce=announce, actor=LISTENING,
        )  # fmt: skip
        if spike is not None:
            recorded.append(spike)
    return recorded


def check_workspace(workspace_id: int) -> list[Spike]:
    """The live check: the last two days of every search of the workspace."""
    since = timezone.now() - timedelta(days=2)
    found: list[Spike] = []
    for search in SavedSearch.objects.filter(workspace_id=workspace_id, history_done_at__isnull=False):
        found += check_search(search, since=since)
    return found

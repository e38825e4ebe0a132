"""The reads of listening that pages and the API share: results, figures, share of voice, backtests."""

from __future__ import annotations

import heapq
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDay

from animateur.core.models import Workspace
from animateur.listening import scan, spikes, wordindex
from animateur.listening.matcher import Compiled, reads_names, terms_of
from animateur.listening.models import SavedSearch, SearchMatch
from animateur.listening.query import parse
from animateur.stream.models import Message

TOP = 10
TEXT_SAMPLE = 5000
BACKTEST_EXAMPLES = 10
PENDING_BY_ID = 20_000


@dataclass(frozen=True)
class ResultFilters:
    sentiment: str = ""
    language: str = ""
    channel: int | None = None
    since: date | None = None
    until: date | None = None


def zone_of(workspace: Workspace) -> ZoneInfo:
    try:
        return ZoneInfo(workspace.timezone or "UTC")
    except Exception:  # a zone the system no longer knows: UTC rather than a 500
        return ZoneInfo("UTC")


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def matched_messages(search: SavedSearch, filters: ResultFilters | None = None) -> QuerySet[Message]:
    filters = filters or ResultFilters()
    zone = zone_of(search.workspace)
    matches = SearchMatch.objects.filter(search=search)
    if filters.since:
        matches = matches.filter(created_at__gte=_day_start(filters.since, zone))
    if filters.until:
        matches = matches.filter(created_at__lt=_day_start(filters.until + timedelta(days=1), zone))
    qs = Message.objects.filter(workspace=search.workspace, pk__in=matches.values("message_id")).exclude(
        visibility__in=scan.LEFT_OUT
    )
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.channel:
        qs = qs.filter(channel_id=filters.channel)
    return qs


def newest_first(qs: QuerySet[Message]) -> QuerySet[Message]:
    return qs.select_related("author", "channel").order_by("-created_at", "-pk")


@dataclass
class Figures:
    total: int = 0
    days: list[tuple[date, int]] = field(default_factory=list)
    sentiments: list[tuple[str, int]] = field(default_factory=list)
    languages: list[tuple[str, int]] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)
    authors: list[tuple[str, int]] = field(default_factory=list)
    terms: list[tuple[str, int]] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)
    sampled: int = 0


def _every_day(counts: dict[date, int]) -> list[tuple[date, int]]:
    """Each day from the first to the last, a day without a match as 0 (a gap, not a skipped day)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if (last - first).days > 3660:
        first = last - timedelta(days=3660)
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range((last - first).days + 1)
    ]


def figures(search: SavedSearch, qs: QuerySet[Message]) -> Figures:
    zone = zone_of(search.workspace)
    found = Figures(total=qs.count())
    if not found.total:
        return found
    by_day = qs.annotate(day=TruncDay("created_at", tzinfo=zone)).values("day").annotate(n=Count("pk"))
    found.days = _every_day(
        {row["day"].date() if isinstance(row["day"], datetime) else row["day"]: row["n"] for row in by_day}
    )
    found.sentiments = [(r["sentiment"], r["n"]) for r in qs.values("sentiment").annotate(n=Count("pk")).order_by("-n")]
    found.languages = [
        (r["language"], r["n"]) for r in qs.values("language").annotate(n=Count("pk")).order_by("-n")[:TOP]
    ]
    found.channels = [
        (r["channel__name"], r["n"]) for r in qs.values("channel__name").annotate(n=Count("pk")).order_by("-n")[:TOP]
    ]
    found.authors = [
        (r["author__display_name"] or r["author__handle"], r["n"])
        for r in qs.exclude(author=None)
        .values("author__display_name", "author__handle")
        .annotate(n=Count("pk"))
        .order_by("-n")[:TOP]
    ]
    # Words and links need the texts: read from the latest messages, so a huge search stays quick.
    skip = set(terms_of(parse(search.query)))
    facets = spikes.Facets()
    latest = qs.order_by("-created_at").values_list("pk", flat=True)[:TEXT_SAMPLE]
    for batch in scan.rows(search.workspace, Message.objects.filter(pk__in=list(latest))):
        for row in batch:
            facets.add(row.doc.words, "", row.doc.linked_hosts, "")
    found.sampled = facets.messages
    found.terms = [(w, n) for w, n in facets.terms.most_common(TOP + len(skip)) if w not in skip][:TOP]
    found.links = facets.links.most_common(TOP)
    return found


def share_of_voice(workspace: Workspace, since: datetime | None = None) -> list[tuple[SavedSearch, int, float]]:
    """Each search's matches in the period and its share of all of them."""
    searches = list(SavedSearch.objects.filter(workspace=workspace).order_by("role", "name"))
    matches = SearchMatch.objects.filter(search__workspace=workspace)
    if since is not None:
        matches = matches.filter(created_at__gte=since)
    counts = dict(matches.values_list("search_id").annotate(n=Count("pk")).values_list("search_id", "n"))
    total = sum(counts.values())
    return [(s, counts.get(s.pk, 0), (counts.get(s.pk, 0) / total if total else 0.0)) for s in searches]


@dataclass
class Backtest:
    matched: int = 0
    read: int = 0
    candidates: int = 0
    seconds: float = 0.0
    days: list[tuple[date, int]] = field(default_factory=list)
    examples: list[Message] = field(default_factory=list)


class _DayOf:
    """The day of an instant in a zone, the day's bounds remembered: the history comes in order, so
    most instants fall in the day of the one before, and a comparison of timestamps says so."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.start = self.end = 0.0
        self.day = date.min

    def __call__(self, moment: datetime) -> date:
        stamp = moment.timestamp()
        if self.start <= stamp < self.end:
            return self.day
        day = moment.astimezone(self.zone).date()
        # From the day's first instant to the next day's (zoneinfo's fold=0: the first of an
        # ambiguous midnight, the instant the clock jumps over a missing one).
        self.day, self.start = day, _day_start(day, self.zone).timestamp()
        self.end = _day_start(day + timedelta(days=1), self.zone).timestamp() if day < date.max else float("inf")
        return day


def backtest(workspace: Workspace, compiled: Compiled) -> Backtest:
    """The query over all the history, without saving anything: its volume per day and examples.

    Where listening's word index (wordindex.py) decides the query (words, prefixes, « ? », OR, AND,
    NOT, lang:, kind:, sentiment:), the matches are counted from it without reading a text; where
    it only bounds it (a phrase, NEAR, names, sites), the messages it lets through are read and
    the query evaluated; messages not indexed yet are always read and evaluated."""
    started = time.perf_counter()
    zone = zone_of(workspace)
    everything = scan.listened(workspace)
    result = Backtest(read=everything.count())
    per_day: Counter[date] = Counter()
    day_of = _DayOf(zone)
    latest: list[tuple[datetime, int]] = []
    names = reads_names(compiled.tree)
    part = wordindex.plan(compiled.tree, workspace.pk) if wordindex.present(connection) else None
    if part is None:
        sources = [scan.narrowed(everything, compiled)]
    else:
        dirty = wordindex.DIRTY_IDS
        indexed = everything.extra(  # noqa: S610 - the plan's SQL is built from constants, words are parameters
            where=[f"stream_message.id IN ({part.sql})", wordindex.NOT_DIRTY], params=part.params
        )
        # The few messages not indexed yet are read by their ids; during a backfill, narrowed in SQL.
        pending = wordindex.marked(PENDING_BY_ID)
        if pending is None:
            sources = [scan.narrowed(everything.extra(where=[f"stream_message.id IN ({dirty})"]), compiled)]  # noqa: S610
        else:
            sources = [
                everything.filter(pk__in=pending[i : i + scan.BATCH]) for i in range(0, len(pending), scan.BATCH)
            ]
        # Fetched whole, not through a server-side cursor: PostgreSQL plans a cursor for its first
        # rows (walking the primary key over the whole table) rather than from the index's few ids.
        if part.exact:
            for created_at, pk in indexed.values_list("created_at", "pk"):
                per_day[day_of(created_at)] += 1
                latest.append((created_at, pk))
            result.matched = result.candidates = len(latest)
            latest = heapq.nlargest(BACKTEST_EXAMPLES, latest)
        else:
            ids = sorted(indexed.values_list("pk", flat=True))
            sources += [Message.objects.filter(pk__in=ids[i : i + scan.BATCH]) for i in range(0, len(ids), scan.BATCH)]
    for source in sources:
        for batch in scan.rows(workspace, source, names=names):
            result.candidates += len(batch)
            for row in batch:
                if compiled.matches(row.doc):
                    result.matched += 1
                    per_day[day_of(row.created_at)] += 1
                    latest.append((row.created_at, row.message_id))
            latest = heapq.nlargest(BACKTEST_EXAMPLES, latest)
    ids = [pk for _when, pk in latest]
    by_id = {m.pk: m for m in Message.objects.filter(pk__in=ids).select_related("author", "channel")}
    result.examples = [by_id[pk] for pk in ids if pk in by_id]
    result.days = _every_day(dict(per_day))
    result.seconds = time.perf_counter() - started
    return result

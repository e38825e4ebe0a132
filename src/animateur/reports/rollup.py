"""Pre-computed figures per closed day (DayFigures), and what makes them stale.

An objective with a scope (some channels, searches or segments) reads the same figures counted
live over its period from the rows in its scope: the day rows are the whole workspace's.

A period's figures are the stored rows of its closed days plus today's, counted live. A day's row
is made the first time it is read, from that day's rows, and deleted when the pipeline stores a
message of that day (an edit, a late import); a member merge or erasure (which changes who wrote
what) drops every row counted before it: the next read counts those days again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from animateur.core.models import AuditEvent, Workspace
from animateur.inbox.models import FirstResponse
from animateur.reports.models import DayFigures
from animateur.reports.periods import Period, _midnight, _zone
from animateur.stream.models import Message

MEMBER_VERBS = ("member.merge", "member.merge_revert", "member.split", "member.erase")


@dataclass
class Figures:
    """A period's counts, summed over its days."""

    inbound: int = 0
    sentiments: dict[str, int] = field(default_factory=dict)
    site_comments: int = 0
    members: set[int] = field(default_factory=set)
    responses: list[list[Any]] = field(default_factory=list)
    by_day: dict[date, int] = field(default_factory=dict)

    def add_channels(self, day: date, row: DayFigures, channels: frozenset[int]) -> None:
        """Only what the row counted on these channels."""
        for pk in channels:
            counted = row.channels.get(str(pk))
            if counted:
                self.add(day, DayFigures(**counted))

    def add(self, day: date, row: DayFigures) -> None:
        self.inbound += row.inbound
        for sentiment, count in row.sentiments.items():
            self.sentiments[sentiment] = self.sentiments.get(sentiment, 0) + count
        self.site_comments += row.site_comments
        self.members.update(row.members)
        self.responses.extend(row.responses)
        self.by_day[day] = self.by_day.get(day, 0) + row.inbound


@dataclass(frozen=True)
class Scope:
    """What an objective looks at: messages on these channels, matched by these searches, written by
    these members (a segment's, resolved when read); an empty part does not narrow. None: everything."""

    channels: frozenset[int] = frozenset()
    searches: frozenset[int] = frozenset()
    members: frozenset[int] | None = None

    def __bool__(self) -> bool:
        return bool(self.channels or self.searches or self.members is not None)

    def messages(self, prefix: str = "") -> Q:
        """The filter on messages (`prefix` reaches them from another model: "root__")."""
        from animateur.listening.models import SearchMatch

        q = Q()
        if self.channels:
            q &= Q(**{f"{prefix}channel_id__in": sorted(self.channels)})
        if self.searches:
            matched = SearchMatch.objects.filter(search_id__in=sorted(self.searches)).values("message_id")
            q &= Q(**{f"{prefix}id__in" if prefix else "id__in": matched})
        if self.members is not None:
            q &= Q(**{f"{prefix}author__member_id__in": sorted(self.members)})
        return q


EVERYTHING = Scope()
_scope: ContextVar[Scope] = ContextVar("reports_scope", default=EVERYTHING)


@contextmanager
def scoped(scope: Scope) -> Iterator[None]:
    """Inside, the KPIs read only what `scope` covers."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def current_scope() -> Scope:
    return _scope.get()


def _blank() -> dict[str, Any]:
    return {"inbound": 0, "sentiments": {}, "site_comments": 0, "members": set(), "responses": []}


def _count_day(workspace: Workspace, start: datetime, end: datetime, scope: Scope = EVERYTHING) -> dict[str, Any]:
    """The counts of [start, end), for the whole and for each channel (under "channels", by id)."""
    inbound = Message.objects.filter(
        scope.messages(), workspace=workspace, from_organisation=False, created_at__gte=start, created_at__lt=end
    ).order_by()
    per: dict[int, dict[str, Any]] = {}
    for row in inbound.values("channel_id", "channel__kind", "sentiment").annotate(n=Count("pk")):
        counted = per.setdefault(row["channel_id"], _blank())
        counted["inbound"] += row["n"]
        if row["channel__kind"] == "site":
            counted["site_comments"] += row["n"]
        if row["sentiment"]:
            counted["sentiments"][row["sentiment"]] = counted["sentiments"].get(row["sentiment"], 0) + row["n"]
    for channel_id, member in inbound.filter(author__isnull=False).values_list("channel_id", "author__member"):
        if member is not None:
            per.setdefault(channel_id, _blank())["members"].add(member)
    for channel_id, d in FirstResponse.objects.filter(
        scope.messages("conversation__root__"), workspace=workspace, recorded_at__gte=start, recorded_at__lt=end
    ).values_list("conversation__channel_id", "data"):
        if not d.get("elsewhere"):
            per.setdefault(channel_id, _blank())["responses"].append(
                [d.get("seconds"), d.get("business_seconds"), bool(d.get("in_hours")), d.get("within_target")]
            )
    total = _blank()
    for counted in per.values():
        _add_counts(total, counted)
    channels = {str(pk): {**counted, "members": sorted(counted["members"])} for pk, counted in per.items()}
    return {**total, "members": sorted(total["members"]), "channels": channels}


def _add_counts(into: dict[str, Any], counted: dict[str, Any]) -> None:
    into["inbound"] += counted["inbound"]
    into["site_comments"] += counted["site_comments"]
    for sentiment, n in counted["sentiments"].items():
        into["sentiments"][sentiment] = into["sentiments"].get(sentiment, 0) + n
    into["members"].update(counted["members"])
    into["responses"].extend(counted["responses"])


def figures(workspace: Workspace, period: Period, *, now: datetime | None = None, scope: Scope = EVERYTHING) -> Figures:
    by_channels = bool(scope.channels) and not scope.searches and scope.members is None
    if scope and not by_channels:  # counted live, once over the period (no figures by day)
        out = Figures()
        counted = _count_day(workspace, period.start, period.end, scope)
        out.add(period.start.date(), DayFigures(workspace=workspace, day=period.start.date(), **counted))
        return out
    zone = _zone(workspace)
    today = (now or timezone.now()).astimezone(zone).date()
    _drop_if_members_changed(workspace)
    days = [start.date() for start in period.day_starts()]
    closed = [d for d in days if d < today]
    rows = DayFigures.objects.filter(workspace=workspace, day__in=closed)
    # Each reading decodes only what it needs: the whole's figures, or the channels'.
    rows = rows.defer("members", "responses", "sentiments") if by_channels else rows.defer("channels")
    stored = {row.day: row for row in rows}
    out = Figures()
    for day in days:
        row = stored.get(day)
        if row is None:
            start = _midnight(day, zone)
            counted = _count_day(workspace, start, start + timedelta(days=1))
            # Today is still growing: counted, never kept.
            row = _keep(workspace, day, counted) if day < today else DayFigures(workspace=workspace, day=day, **counted)
        if by_channels:
            out.add_channels(day, row, scope.channels)
        else:
            out.add(day, row)
    return out


def _keep(workspace: Workspace, day: date, counted: dict[str, Any]) -> DayFigures:
    try:
        with transaction.atomic():
            return DayFigures.objects.create(workspace=workspace, day=day, **counted)
    except IntegrityError:  # another reader kept it first: the same counts
        return DayFigures(workspace=workspace, day=day, **counted)


def forget_days(workspace_id: int, days: Iterable[date]) -> None:
    DayFigures.objects.filter(workspace_id=workspace_id, day__in=list(set(days))).delete()


def forget_stored_days(items: list[Any]) -> None:
    """The pipeline's on-store hook: a message stored for a past day makes that day's row stale."""
    by_workspace: dict[int, set[date]] = {}
    zones: dict[int, Any] = {}
    for item in items:
        message = getattr(item, "message", None)
        if message is None:
            continue
        workspace = item.channel.workspace
        zone = zones.setdefault(workspace.pk, _zone(workspace))
        by_workspace.setdefault(workspace.pk, set()).add(message.created_at.astimezone(zone).date())
    for workspace_id, days in by_workspace.items():
        forget_days(workspace_id, days)


def _drop_if_members_changed(workspace: Workspace) -> None:
    """A merge, its undoing or an erasure changes who wrote what on any day: rows counted before
    the latest such change are dropped (one indexed query on the audit trail)."""
    changed = AuditEvent.objects.filter(workspace=workspace, verb__in=MEMBER_VERBS).aggregate(at=Max("created_at"))
    if changed["at"] is not None:
        DayFigures.objects.filter(workspace=workspace, computed_at__lt=changed["at"]).delete()


_MemoKey = tuple[int, datetime, datetime, Scope]
_memo: ContextVar[dict[_MemoKey, Figures] | None] = ContextVar("reports_memo", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside, each period's figures are read once: a report asks for the same period for each KPI."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def recent_figures(workspace: Workspace, period: Period) -> Figures:
    """`figures` in the current scope, read once per period inside `one_reading()` (and each time outside it)."""
    scope = current_scope()
    memo = _memo.get()
    if memo is None:
        return figures(workspace, period, scope=scope)
    key = (workspace.pk, period.start, period.end, scope)
    if key not in memo:
        memo[key] = figures(workspace, period, scope=scope)
    return memo[key]

"""Pre-computed figures per closed day (DayFigures), and what makes them stale.

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

    def add(self, day: date, row: DayFigures) -> None:
        self.inbound += row.inbound
        for sentiment, count in row.sentiments.items():
            self.sentiments[sentiment] = self.sentiments.get(sentiment, 0) + count
        self.site_comments += row.site_comments
        self.members.update(row.members)
        self.responses.extend(row.responses)
        self.by_day[day] = self.by_day.get(day, 0) + row.inbound


def _count_day(workspace: Workspace, start: datetime, end: datetime) -> dict[str, Any]:
    inbound = Message.objects.filter(
        workspace=workspace, from_organisation=False, created_at__gte=start, created_at__lt=end
    )
    counts = inbound.aggregate(total=Count("pk"), site=Count("pk", filter=Q(channel__kind="site")))
    sentiments = dict(inbound.exclude(sentiment="").values_list("sentiment").annotate(n=Count("pk")))
    members = sorted(
        {m for m in inbound.filter(author__isnull=False).values_list("author__member", flat=True) if m is not None}
    )
    responses = [
        [d.get("seconds"), d.get("business_seconds"), bool(d.get("in_hours")), d.get("within_target")]
        for d in FirstResponse.objects.filter(
            workspace=workspace, recorded_at__gte=start, recorded_at__lt=end
        ).values_list("data", flat=True)
        if not d.get("elsewhere")
    ]
    return {
        "inbound": counts["total"],
        "sentiments": sentiments,
        "site_comments": counts["site"],
        "members": members,
        "responses": responses,
    }


def figures(workspace: Workspace, period: Period, *, now: datetime | None = None) -> Figures:
    zone = _zone(workspace)
    today = (now or timezone.now()).astimezone(zone).date()
    _drop_if_members_changed(workspace)
    days = [start.date() for start in period.day_starts()]
    closed = [d for d in days if d < today]
    stored = {row.day: row for row in DayFigures.objects.filter(workspace=workspace, day__in=closed)}
    out = Figures()
    for day in days:
        row = stored.get(day)
        if row is None:
            start = _midnight(day, zone)
            counted = _count_day(workspace, start, start + timedelta(days=1))
            # Today is still growing: counted, never kept.
            row = _keep(workspace, day, counted) if day < today else DayFigures(workspace=workspace, day=day, **counted)
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


_memo: ContextVar[dict[tuple[int, datetime, datetime], Figures] | None] = ContextVar("reports_memo", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside, each period's figures are read once: a report asks for the same period for each KPI."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def recent_figures(workspace: Workspace, period: Period) -> Figures:
    """`figures`, read once per period inside `one_reading()` (and each time outside it)."""
    memo = _memo.get()
    if memo is None:
        return figures(workspace, period)
    key = (workspace.pk, period.start, period.end)
    if key not in memo:
        memo[key] = figures(workspace, period)
    return memo[key]

"""Pre-computed figures per closed day (DayFigures) and per closed month (MonthFigures), and what
makes them stale.

An objective with a scope (some channels, searches or segments) reads the same figures counted
live over its period from the rows in its scope: the rows are the whole workspace's, and each
channel's apart (an objective narrowed to channels reads those).

A period's figures are the rows of the closed months it covers whole, the rows of its other closed
days, and today's counts, counted live. A day's row is made the first time it is read, from that
day's messages; a month's, from its days' rows. A message stored for a past day (an edit, a late
import) deletes that day's row and its month's; a member merge or erasure (which changes who wrote
what) drops every row counted before it: the next read counts those days again. Who wrote and the
first responses are kept compact (reports/counts.py), so that a year is read in milliseconds.
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
from django.db.models.functions import TruncDate
from django.utils import timezone

from animateur.core.models import AuditEvent, Workspace
from animateur.inbox.models import FirstResponse
from animateur.reports.counts import Counts, Members, Responses
from animateur.reports.models import DayFigures, MonthFigures
from animateur.reports.periods import Period, _midnight, _zone
from animateur.stream.models import Message

MEMBER_VERBS = ("member.merge", "member.merge_revert", "member.split", "member.erase")


@dataclass
class Figures(Counts):
    """A period's counts, summed over its days, and its messages by day."""

    by_day: dict[date, int] = field(default_factory=dict)

    def add_channels(self, day: date, row: DayFigures, channels: frozenset[int]) -> None:
        """Only what the row counted on these channels."""
        for pk in channels:
            counted = row.channels.get(str(pk))
            if counted:
                self.add_day(day, Counts.of_json(counted))

    def add_month(self, days: list[date], row: MonthFigures) -> None:
        self.add(Counts.of_row(row))
        for day, inbound in zip(days, row.by_day, strict=True):
            self.by_day[day] = self.by_day.get(day, 0) + inbound

    def add_month_channels(self, days: list[date], row: MonthFigures, channels: frozenset[int]) -> None:
        for pk in channels:
            counted = row.channels.get(str(pk))
            if counted:
                self.add(Counts.of_json(counted))
                for day, inbound in zip(days, counted["by_day"], strict=True):
                    self.by_day[day] = self.by_day.get(day, 0) + inbound

    def add_day(self, day: date, counted: Counts) -> None:
        self.add(counted)
        self.by_day[day] = self.by_day.get(day, 0) + counted.inbound


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


def _count_day(
    workspace: Workspace, start: datetime, end: datetime, scope: Scope = EVERYTHING
) -> tuple[Counts, dict[int, Counts]]:
    """The counts of [start, end), for the whole and for each channel (by id)."""
    inbound = Message.objects.filter(
        scope.messages(), workspace=workspace, from_organisation=False, created_at__gte=start, created_at__lt=end
    ).order_by()
    per: dict[int, Counts] = {}
    writers: dict[int, set[int]] = {}
    # One reading of the messages: grouped by channel, sentiment and who wrote.
    grouped = inbound.values_list("channel_id", "channel__kind", "sentiment", "author__member_id").annotate(
        n=Count("pk")
    )
    for channel_id, kind, sentiment, member, n in grouped:
        counted = per.setdefault(channel_id, Counts())
        counted.inbound += n
        if kind == "site":
            counted.site_comments += n
        if sentiment:
            counted.sentiments[sentiment] = counted.sentiments.get(sentiment, 0) + n
        if member is not None:
            writers.setdefault(channel_id, set()).add(member)
    for channel_id, ids in writers.items():
        per.setdefault(channel_id, Counts()).members = Members.of(ids)
    responses: dict[int, list[dict[str, Any]]] = {}
    for channel_id, d in FirstResponse.objects.filter(
        scope.messages("conversation__root__"), workspace=workspace, recorded_at__gte=start, recorded_at__lt=end
    ).values_list("conversation__channel_id", "data"):
        if not d.get("elsewhere"):
            responses.setdefault(channel_id, []).append(d)
    for channel_id, data in responses.items():
        per.setdefault(channel_id, Counts()).responses = Responses.of(data)
    total = Counts()
    for counted in per.values():
        total.add(counted)
    return total, per


def figures(workspace: Workspace, period: Period, *, now: datetime | None = None, scope: Scope = EVERYTHING) -> Figures:
    by_channels = bool(scope.channels) and not scope.searches and scope.members is None
    if scope and not by_channels:  # counted live, once over the period (no figures by day)
        out = Figures()
        out.add_day(period.start.date(), _count_day(workspace, period.start, period.end, scope)[0])
        return out
    zone = _zone(workspace)
    today = (now or timezone.now()).astimezone(zone).date()
    _drop_if_members_changed(workspace)
    days = [start.date() for start in period.day_starts()]
    out = Figures()
    # The closed months the period covers whole, each one row; then the days at its ends.
    months = _whole_months(days, today)
    found = MonthFigures.objects.filter(workspace=workspace, month__in=months)
    # Each reading decodes only what it needs: the whole's figures, or the channels'.
    found = found.only("month", "by_day", "channels") if by_channels else found.defer("channels", "computed_at")
    stored_months = {row.month: row for row in found}
    missing = [month for month in months if month not in stored_months]
    if len(missing) > 1:  # their days kept first, together: the quiet ones found by one query for all
        _day_rows(workspace, [day for month in missing for day in _days_of(month)], today, full=True)
    for month in months:
        kept = stored_months.get(month) or _keep_month(workspace, month, today)
        month_days = [month + timedelta(days=n) for n in range(len(kept.by_day))]
        if by_channels:
            out.add_month_channels(month_days, kept, scope.channels)
        else:
            out.add_month(month_days, kept)
    whole = set(months)
    rest = [d for d in days if d.replace(day=1) not in whole]
    for day, row in _day_rows(workspace, rest, today, by_channels=by_channels):
        if by_channels:
            out.add_channels(day, row, scope.channels)
        else:
            out.add_day(day, Counts.of_row(row))
    return out


def _whole_months(days: list[date], today: date) -> list[date]:
    """The first days of the months whose every day is among `days` and closed."""
    if not days:
        return []
    out = []
    month = days[0] if days[0].day == 1 else _next_month(days[0])
    while (following := _next_month(month)) - timedelta(days=1) <= days[-1] and following <= today:
        out.append(month)
        month = following
    return out


def _days_of(month: date) -> list[date]:
    return [month + timedelta(days=n) for n in range((_next_month(month) - month).days)]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _day_rows(
    workspace: Workspace, days: list[date], today: date, *, by_channels: bool = False, full: bool = False
) -> list[tuple[date, DayFigures]]:
    """The rows of these days: kept, or counted now (and kept if closed)."""
    if not days:
        return []
    rows = DayFigures.objects.filter(workspace=workspace, day__in=[d for d in days if d < today])
    if not full:  # each reading decodes only what it needs: the whole's figures, or the channels'
        rows = rows.only("day", "channels") if by_channels else rows.defer("channels", "computed_at")
    stored = {row.day: row for row in rows}
    zone = _zone(workspace)
    quiet = _quiet_days(workspace, [d for d in days if d < today and d not in stored], zone)
    if quiet:
        stored.update(_keep_empty(workspace, quiet))
    out = []
    for day in days:
        row = stored.get(day)
        if row is None and day >= today:  # still growing: counted, never kept (once per reading)
            today_memo = _today.get()
            if today_memo is None or (workspace.pk, day) not in today_memo:
                start = _midnight(day, zone)
                row = _row(workspace, day, *_count_day(workspace, start, start + timedelta(days=1)))
                if today_memo is not None:
                    today_memo[workspace.pk, day] = row
            else:
                row = today_memo[workspace.pk, day]
        elif row is None:
            start = _midnight(day, zone)
            row = _keep(workspace, day, *_count_day(workspace, start, start + timedelta(days=1)))
        out.append((day, row))
    return out


# Below this many closed days to count, each is counted; above, one query first finds the days with nothing to count.
_FEW_DAYS = 7


def _quiet_days(workspace: Workspace, missing: list[date], zone: Any) -> list[date]:
    """Which of these closed days, not kept yet, have no message and no first response at all.

    A workspace's first report reads every day since its oldest message: an imported blog's comments
    of 2010 made it count some 5,800 days one by one (two queries each, half a minute) to find most
    of them empty. One grouped query a kind finds the days that have something.
    """
    if len(missing) <= _FEW_DAYS:
        return []
    start, end = _midnight(min(missing), zone), _midnight(max(missing), zone) + timedelta(days=1)
    busy = set(
        Message.objects.filter(workspace=workspace, from_organisation=False, created_at__gte=start, created_at__lt=end)
        .annotate(local_day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values_list("local_day", flat=True)
        .distinct()
    )
    busy.update(
        FirstResponse.objects.filter(workspace=workspace, recorded_at__gte=start, recorded_at__lt=end)
        .annotate(local_day=TruncDate("recorded_at", tzinfo=zone))
        .order_by()
        .values_list("local_day", flat=True)
        .distinct()
    )
    return [day for day in missing if day not in busy]


def _keep_empty(workspace: Workspace, days: list[date]) -> dict[date, DayFigures]:
    """Kept rows of days with nothing counted, written in one statement."""
    rows = [_row(workspace, day, Counts(), {}) for day in days]
    DayFigures.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return {row.day: row for row in rows}


def _keep_month(workspace: Workspace, month: date, today: date) -> MonthFigures:
    """A closed month's row, added up from its days' rows (counting those not kept yet)."""
    days = _days_of(month)
    total = Counts()
    by_day = []
    per: dict[str, Counts] = {}
    per_day: dict[str, list[int]] = {}
    for n, (_day, row) in enumerate(_day_rows(workspace, days, today, full=True)):
        counted = Counts.of_row(row)
        total.add(counted)
        by_day.append(counted.inbound)
        for pk, stored in row.channels.items():
            on_channel = Counts.of_json(stored)
            per.setdefault(pk, Counts()).add(on_channel)
            per_day.setdefault(pk, [0] * len(days))[n] = on_channel.inbound
    channels = {pk: {**counted.as_json(), "by_day": per_day[pk]} for pk, counted in per.items()}
    kept = MonthFigures(workspace=workspace, month=month, by_day=by_day, channels=channels, **total.fields())
    try:
        with transaction.atomic():
            kept.save(force_insert=True)
    except IntegrityError:  # another reader kept it first: the same counts
        pass
    return kept


def _row(workspace: Workspace, day: date, total: Counts, per: dict[int, Counts]) -> DayFigures:
    channels = {str(pk): counted.as_json() for pk, counted in per.items()}
    return DayFigures(workspace=workspace, day=day, channels=channels, **total.fields())


def _keep(workspace: Workspace, day: date, total: Counts, per: dict[int, Counts]) -> DayFigures:
    row = _row(workspace, day, total, per)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # another reader kept it first: the same counts
        pass
    return row


def forget_days(workspace_id: int, days: Iterable[date]) -> None:
    """These days' rows, and their months', are stale."""
    days = set(days)
    DayFigures.objects.filter(workspace_id=workspace_id, day__in=sorted(days)).delete()
    MonthFigures.objects.filter(workspace_id=workspace_id, month__in=sorted({d.replace(day=1) for d in days})).delete()


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
        MonthFigures.objects.filter(workspace=workspace, computed_at__lt=changed["at"]).delete()


_MemoKey = tuple[int, datetime, datetime, Scope]
_memo: ContextVar[dict[_MemoKey, Figures] | None] = ContextVar("reports_memo", default=None)
_today: ContextVar[dict[tuple[int, date], DayFigures] | None] = ContextVar("reports_today", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside, each period's figures are read once: a report asks for the same period for each KPI."""
    token, today = _memo.set({}), _today.set({})
    try:
        yield
    finally:
        _memo.reset(token)
        _today.reset(today)


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

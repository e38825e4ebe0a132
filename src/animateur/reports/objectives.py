"""An objective's progress: its KPI over its rolling period, against its target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404

from animateur.core.models import Workspace
from animateur.members.models import Segment
from animateur.reports.kpis import KPIS, Kpi
from animateur.reports.models import Comparison, Objective
from animateur.reports.periods import Period, last_days
from animateur.reports.rollup import Scope, one_reading, scoped


@dataclass(frozen=True)
class Progress:
    objective: Objective
    kpi: Kpi
    period: Period
    value: float | None
    met: bool | None  # None: nothing to measure yet
    ratio: float  # 0..1, how far along toward the target (1 when met)


def segment_member_ids(workspace: Workspace, segment: Segment) -> set[int]:
    """Who is in a saved segment now, read with the members list's own filters (a segment whose
    filters no longer read, a tag gone, holds no one)."""
    from animateur.members import selectors
    from animateur.members.forms import MemberFilterForm

    form = MemberFilterForm(QueryDict(segment.query), workspace=workspace)
    if not form.is_valid():
        return set()
    return set(selectors.filtered(workspace, form.filters()).order_by().values_list("pk", flat=True))


def scope_of(objective: Objective) -> Scope:
    """The objective's scope, its segments resolved to the members in them now."""
    segments = list(objective.segments.all())
    members: set[int] | None = None
    if segments:
        members = set()
        for segment in segments:
            members |= segment_member_ids(objective.workspace, segment)
    return Scope(
        channels=frozenset(c.pk for c in objective.channels.all()),
        searches=frozenset(s.pk for s in objective.searches.all()),
        members=frozenset(members) if members is not None else None,
    )


def progress(objective: Objective, *, now: datetime | None = None) -> Progress:
    kpi = KPIS[objective.kpi]
    period = last_days(objective.workspace, objective.period_days, now=now)
    with scoped(scope_of(objective)):
        value = kpi.compute(objective.workspace, period)
    if value is None:
        return Progress(objective, kpi, period, None, None, 0.0)
    if objective.comparison == Comparison.AT_LEAST:
        met = value >= objective.target
        ratio = 1.0 if met or objective.target <= 0 else value / objective.target
    else:
        met = value <= objective.target
        ratio = 1.0 if met or value <= 0 else objective.target / value
    return Progress(objective, kpi, period, value, met, max(0.0, min(1.0, ratio)))


def progress_of(objectives: Iterable[Objective], *, now: datetime | None = None) -> list[Progress]:
    """Several objectives' progress; those over the same period and scope read its figures once."""
    with one_reading():
        return [progress(objective, now=now) for objective in _with_scope(objectives)]


def _with_scope(objectives: Iterable[Objective]) -> Iterable[Objective]:
    if isinstance(objectives, QuerySet):
        return objectives.prefetch_related("channels", "searches", "segments")
    return objectives


MAX_ID = 2**63 - 1


def objective_of(workspace: Workspace, objective_id: int) -> Objective:
    """The workspace's objective, or 404: an id of another workspace, or beyond what a database
    stores (SQLite refuses it with an OverflowError), is not found."""
    if not 0 < objective_id <= MAX_ID:
        raise Http404
    return get_object_or_404(Objective, pk=objective_id, workspace=workspace)

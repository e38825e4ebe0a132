"""An objective's progress: its KPI over its rolling period, against its target."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404

from animateur.core.models import Workspace
from animateur.reports.kpis import KPIS, Kpi
from animateur.reports.models import Comparison, Objective
from animateur.reports.periods import Period, last_days
from animateur.reports.rollup import one_reading


@dataclass(frozen=True)
class Progress:
    objective: Objective
    kpi: Kpi
    period: Period
    value: float | None
    met: bool | None  # None: nothing to measure yet
    ratio: float  # 0..1, how far along toward the target (1 when met)


def progress(objective: Objective, *, now: datetime | None = None) -> Progress:
    kpi = KPIS[objective.kpi]
    period = last_days(objective.workspace, objective.period_days, now=now)
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
    """Several objectives' progress; those over the same period read its figures once."""
    with one_reading():
        return [progress(objective, now=now) for objective in objectives]


MAX_ID = 2**63 - 1


def objective_of(workspace: Workspace, objective_id: int) -> Objective:
    """The workspace's objective, or 404: an id of another workspace, or beyond what a database
    stores (SQLite refuses it with an OverflowError), is not found."""
    if not 0 < objective_id <= MAX_ID:
        raise Http404
    return get_object_or_404(Objective, pk=objective_id, workspace=workspace)

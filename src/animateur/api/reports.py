"""Objectives and reports in the API: the KPIs with their definitions, a period's report (each KPI
now and in the period before), and the objectives with their progress."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.reports import actions, periods
from animateur.reports.forms import MAX_REPORT_DAYS
from animateur.reports.kpis import KPIS
from animateur.reports.models import Objective
from animateur.reports.objectives import Progress, objective_of, progress, progress_of
from animateur.reports.report import build

router = Router(tags=["objectives and reports"])


class KpiOut(Schema):
    key: str
    label: str
    definition: str
    unit: str
    section: str
    higher_is_better: bool


class TileOut(Schema):
    kpi: str
    value: float | None
    previous: float | None


class SectionOut(Schema):
    section: str
    title: str
    tiles: list[TileOut]


class ReportOut(Schema):
    start: str
    end: str
    previous_start: str
    sections: list[SectionOut]
    volume_by_day: list[tuple[str, int]]


class ObjectiveIn(Schema):
    name: str
    kpi: str
    comparison: str
    target: float
    period_days: int = 30


class ObjectiveOut(Schema):
    id: int
    name: str
    kpi: str
    comparison: str
    target: float
    period_days: int
    value: float | None
    met: bool | None


class Refused(Schema):
    detail: str


@router.get("/kpis", response=list[KpiOut])
@needs("reports.view")
def kpis(request: TokenRequest) -> list[dict[str, Any]]:
    """Every KPI: units are `count`, `seconds` or `share` (0 to 1)."""
    return [
        {
            "key": k.key,
            "label": str(k.label),
            "definition": str(k.definition),
            "unit": k.unit.value,
            "section": k.section.value,
            "higher_is_better": k.higher_is_better,
        }
        for k in KPIS.values()
    ]


@router.get("/report", response={200: ReportOut, 400: Refused})
@needs("reports.view")
def report(request: TokenRequest, start: date | None = None, end: date | None = None) -> Any:
    """Each KPI over [start, end] (days included; the last 30 days by default) and the same length before."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days >= MAX_REPORT_DAYS:
        return 400, {"detail": "the period must start before it ends and cover at most three years"}
    workspace = request.auth.workspace
    built = build(workspace, periods.between(workspace, start, end), now=timezone.now())
    return 200, {
        "start": built.period.start.isoformat(),
        "end": built.period.end.isoformat(),
        "previous_start": built.previous.start.isoformat(),
        "sections": [
            {
                "section": s.section.value,
                "title": s.title,
                "tiles": [{"kpi": t.kpi.key, "value": t.value, "previous": t.previous} for t in s.tiles],
            }
            for s in built.sections
        ],
        "volume_by_day": [(day.date().isoformat(), count) for day, count in built.volume_by_day],
    }


def _out(objective: Objective, measured: Progress | None = None) -> dict[str, Any]:
    measured = measured or progress(objective)
    return {
        "id": objective.pk,
        "name": objective.name,
        "kpi": objective.kpi,
        "comparison": objective.comparison,
        "target": objective.target,
        "period_days": objective.period_days,
        "value": measured.value,
        "met": measured.met,
    }


@router.get("/objectives", response=list[ObjectiveOut])
@needs("reports.view")
def list_objectives(request: TokenRequest) -> list[dict[str, Any]]:
    listed = list(Objective.objects.filter(workspace=request.auth.workspace))
    return [_out(o, measured) for o, measured in zip(listed, progress_of(listed), strict=True)]


@router.post("/objectives", response={201: ObjectiveOut, 400: Refused})
@needs("reports.objectives.edit")
def create_objective(request: TokenRequest, payload: ObjectiveIn) -> Any:
    """`target` is in the KPI's unit: a share from 0 to 1, seconds, or a count."""
    try:
        objective = actions.do_create_objective(
            request.auth.workspace,
            payload.name,
            payload.kpi,
            payload.comparison,
            payload.target,
            payload.period_days,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _out(objective)


@router.put("/objectives/{objective_id}", response={200: ObjectiveOut, 400: Refused})
@needs("reports.objectives.edit")
def update_objective(request: TokenRequest, objective_id: int, payload: ObjectiveIn) -> Any:
    found = objective_of(request.auth.workspace, objective_id)
    try:
        actions.do_update_objective(
            found,
            payload.name,
            payload.kpi,
            payload.comparison,
            payload.target,
            payload.period_days,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _out(found)


@router.delete("/objectives/{objective_id}", response={204: None})
@needs("reports.objectives.edit")
def delete_objective(request: TokenRequest, objective_id: int) -> Any:
    found = objective_of(request.auth.workspace, objective_id)
    actions.do_delete_objective(found, actor=request.auth.user)
    return 204, None

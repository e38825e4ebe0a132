"""Objectives and reports in the API: the KPIs with their definitions, a period's report (each KPI
now and in the period before), and the objectives with their progress."""

import base64
import binascii
from datetime import date, timedelta
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.core.models import User, Workspace
from animateur.listening.models import SavedSearch
from animateur.members.models import Segment
from animateur.reports import actions, periods
from animateur.reports.branding import MAX_LOGO_BYTES, branding_of
from animateur.reports.forms import MAX_REPORT_DAYS
from animateur.reports.kpis import KPIS
from animateur.reports.models import Objective, ReportSchedule, SavedReport
from animateur.reports.objectives import Progress, objective_of, progress, progress_of
from animateur.reports.report import build
from animateur.reports.schedules import schedule_of

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
    # The scope, by ids of the workspace's channels, saved searches and segments: an empty list does
    # not narrow; left out, a new objective is not narrowed and a changed one keeps that part.
    channels: list[int] | None = None
    searches: list[int] | None = None
    segments: list[int] | None = None


class ObjectiveOut(Schema):
    id: int
    name: str
    kpi: str
    comparison: str
    target: float
    period_days: int
    channels: list[int]
    searches: list[int]
    segments: list[int]
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
def report(request: TokenRequest, start: date | None = None, end: date | None = None, saved: str = "") -> Any:
    """Each KPI over [start, end] (days included; the last 30 days by default) and the same length before;
    with `saved`, a saved report's name, only its KPIs."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=29)
    if start > end or (end - start).days >= MAX_REPORT_DAYS:
        return 400, {"detail": "the period must start before it ends and cover at most three years"}
    workspace = request.auth.workspace
    chosen = None
    if saved:
        chosen = SavedReport.objects.filter(workspace=workspace, name=saved[:100].replace("\x00", "")).first()
        if chosen is None:
            return 400, {"detail": "no saved report has this name"}
    built = build(
        workspace,
        periods.between(workspace, start, end),
        now=timezone.now(),
        kpis=chosen.kpis if chosen else None,
        name=chosen.name if chosen else "",
    )
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
        "channels": sorted(c.pk for c in objective.channels.all()),
        "searches": sorted(s.pk for s in objective.searches.all()),
        "segments": sorted(s.pk for s in objective.segments.all()),
        "value": measured.value,
        "met": measured.met,
    }


_MAX_ID = 2**63 - 1


class _UnknownInScope(Exception):
    """An id of the scope names nothing of the workspace (another workspace's, or none)."""


def _scope_part(workspace: Workspace, model: Any, ids: list[int], what: str) -> list[Any]:
    wanted = set(ids)
    found = list(model.objects.filter(workspace=workspace, pk__in=[i for i in wanted if 0 < i <= _MAX_ID]))
    missing = sorted(wanted - {item.pk for item in found})
    if missing:
        raise _UnknownInScope(f"no {what} of this workspace has the id {missing[0]}")
    return found


def _scope_of(workspace: Workspace, payload: ObjectiveIn, kept: Objective | None = None) -> actions.ObjectiveScope:
    """The payload's scope; a part left out is empty for a new objective and kept for a changed one."""

    def part(ids: list[int] | None, model: Any, what: str, current: Any) -> list[Any]:
        if ids is not None:
            return _scope_part(workspace, model, ids, what)
        return list(current.all()) if kept is not None else []

    return actions.ObjectiveScope(
        channels=part(payload.channels, Channel, "channel", kept.channels if kept else None),
        searches=part(payload.searches, SavedSearch, "saved search", kept.searches if kept else None),
        segments=part(payload.segments, Segment, "segment", kept.segments if kept else None),
    )


@router.get("/objectives", response=list[ObjectiveOut])
@needs("reports.view")
def list_objectives(request: TokenRequest) -> list[dict[str, Any]]:
    listed = list(Objective.objects.filter(workspace=request.auth.workspace))
    return [_out(o, measured) for o, measured in zip(listed, progress_of(listed), strict=True)]


@router.post("/objectives", response={201: ObjectiveOut, 400: Refused})
@needs("reports.objectives.edit")
def create_objective(request: TokenRequest, payload: ObjectiveIn) -> Any:
    """`target` is in the KPI's unit: a share from 0 to 1, seconds, or a count; `channels`, `searches`
    and `segments` narrow it (ids of this workspace's)."""
    try:
        scope = _scope_of(request.auth.workspace, payload)
        objective = actions.do_create_objective(
            request.auth.workspace,
            payload.name,
            payload.kpi,
            payload.comparison,
            payload.target,
            payload.period_days,
            actor=request.auth.user,
            scope=scope,
        )
    except (ActionError, _UnknownInScope) as error:
        return 400, {"detail": str(error)}
    return 201, _out(objective)


@router.put("/objectives/{objective_id}", response={200: ObjectiveOut, 400: Refused})
@needs("reports.objectives.edit")
def update_objective(request: TokenRequest, objective_id: int, payload: ObjectiveIn) -> Any:
    found = objective_of(request.auth.workspace, objective_id)
    try:
        scope = _scope_of(request.auth.workspace, payload, kept=found)
        actions.do_update_objective(
            found,
            payload.name,
            payload.kpi,
            payload.comparison,
            payload.target,
            payload.period_days,
            actor=request.auth.user,
            scope=scope,
        )
    except (ActionError, _UnknownInScope) as error:
        return 400, {"detail": str(error)}
    return 200, _out(found)


@router.delete("/objectives/{objective_id}", response={204: None})
@needs("reports.objectives.edit")
def delete_objective(request: TokenRequest, objective_id: int) -> Any:
    found = objective_of(request.auth.workspace, objective_id)
    actions.do_delete_objective(found, actor=request.auth.user)
    return 204, None


class ScheduleIn(Schema):
    frequency: str
    weekday: int = 0
    day_of_month: int = 1
    member_ids: list[int] = []
    addresses: list[str] = []


class ScheduleOut(Schema):
    id: int
    frequency: str
    weekday: int
    day_of_month: int
    member_ids: list[int]
    addresses: list[str]


def _schedule_out(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "id": schedule.pk,
        "frequency": schedule.frequency,
        "weekday": schedule.weekday,
        "day_of_month": schedule.day_of_month,
        "member_ids": sorted(user.pk for user in schedule.members.all()),
        "addresses": schedule.addresses,
    }


@router.get("/schedules", response=list[ScheduleOut])
@needs("reports.view")
def list_schedules(request: TokenRequest) -> list[dict[str, Any]]:
    """The default report sent by email as a PDF every week (weekday 0 is Monday) or month (day 1 to 28)."""
    listed = ReportSchedule.objects.filter(workspace=request.auth.workspace).prefetch_related("members")
    return [_schedule_out(s) for s in listed]


@router.post("/schedules", response={201: ScheduleOut, 400: Refused})
@needs("reports.schedules.edit")
def create_schedule(request: TokenRequest, payload: ScheduleIn) -> Any:
    workspace = request.auth.workspace
    if len(payload.member_ids) > 500 or any(not 0 < pk < 2**63 for pk in payload.member_ids):
        return 400, {"detail": "unknown team member"}
    members = list(User.objects.filter(pk__in=payload.member_ids))
    if len(members) != len(set(payload.member_ids)):
        return 400, {"detail": "unknown team member"}
    try:
        schedule = actions.do_create_report_schedule(
            workspace,
            payload.frequency,
            payload.weekday,
            payload.day_of_month,
            members,
            payload.addresses,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, _schedule_out(schedule)


@router.delete("/schedules/{schedule_id}", response={204: None})
@needs("reports.schedules.edit")
def delete_schedule(request: TokenRequest, schedule_id: int) -> Any:
    found = schedule_of(request.auth.workspace, schedule_id)
    actions.do_delete_report_schedule(found, actor=request.auth.user)
    return 204, None


class BrandingIn(Schema):
    accent: str = ""
    logo_base64: str | None = None
    remove_logo: bool = False


class BrandingOut(Schema):
    accent: str
    has_logo: bool


def _branding_out(workspace: Workspace) -> dict[str, Any]:
    branding = branding_of(workspace)
    return {"accent": branding.accent if branding else "", "has_logo": bool(branding and branding.logo)}


@router.get("/branding", response=BrandingOut)
@needs("reports.view")
def get_branding(request: TokenRequest) -> dict[str, Any]:
    """The accent colour (#RRGGBB, empty for the default) of the PDF and shared reports, and whether a logo is set."""
    return _branding_out(request.auth.workspace)


@router.put("/branding", response={200: BrandingOut, 400: Refused})
@needs("reports.branding.edit")
def set_branding(request: TokenRequest, payload: BrandingIn) -> Any:
    """`logo_base64`: a PNG or JPEG of at most 1 MB, base64-encoded; it is redrawn as a PNG."""
    logo = None
    if payload.logo_base64 is not None:
        if len(payload.logo_base64) > MAX_LOGO_BYTES * 4 // 3 + 4:
            return 400, {"detail": "the logo must weigh at most 1 MB"}
        try:
            logo = base64.b64decode(payload.logo_base64, validate=True)
        except (binascii.Error, ValueError):
            return 400, {"detail": "logo_base64 is not base64"}
    try:
        actions.do_set_report_branding(
            request.auth.workspace,
            payload.accent,
            logo=logo,
            remove_logo=payload.remove_logo,
            actor=request.auth.user,
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 200, _branding_out(request.auth.workspace)


class SavedReportIn(Schema):
    name: str
    kpis: list[str]


class SavedReportOut(Schema):
    id: int
    name: str
    kpis: list[str]


@router.get("/saved", response=list[SavedReportOut])
@needs("reports.view")
def list_saved_reports(request: TokenRequest) -> list[dict[str, Any]]:
    """The workspace's saved reports: a name and its KPIs (read one with /report?saved=NAME)."""
    return [
        {"id": s.pk, "name": s.name, "kpis": s.kpis}
        for s in SavedReport.objects.filter(workspace=request.auth.workspace)
    ]


@router.post("/saved", response={201: SavedReportOut, 400: Refused})
@needs("reports.saved.edit")
def save_report(request: TokenRequest, payload: SavedReportIn) -> Any:
    """Save KPIs (keys of /kpis) under a name; an existing name gets the new choice."""
    try:
        saved = actions.do_save_report(request.auth.workspace, payload.name, payload.kpis, actor=request.auth.user)
    except ActionError as error:
        return 400, {"detail": str(error)}
    return 201, {"id": saved.pk, "name": saved.name, "kpis": saved.kpis}


@router.delete("/saved/{saved_id}", response={204: None})
@needs("reports.saved.edit")
def delete_saved_report(request: TokenRequest, saved_id: int) -> Any:
    if not 0 < saved_id < 2**63:
        raise Http404
    found = get_object_or_404(SavedReport, pk=saved_id, workspace=request.auth.workspace)
    actions.do_delete_saved_report(found, actor=request.auth.user)
    return 204, None

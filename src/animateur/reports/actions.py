"""Objectives are set, changed and removed here: checked, in one transaction, with one audit event."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.reports.kpis import KPIS
from animateur.reports.models import Comparison, Objective

PERIODS = (7, 30, 90, 365)


def _checked(
    workspace: Workspace,
    name: str,
    kpi: str,
    comparison: str,
    target: float,
    period_days: int,
    *,
    exclude: int | None = None,
) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ActionError(_("An objective needs a name of at most 200 characters."))
    if kpi not in KPIS:
        raise ActionError(_("Unknown indicator: choose one of the list."))
    if comparison not in Comparison.values:
        raise ActionError(_("Choose « at least » or « at most »."))
    if not (target == target) or target < 0 or target > 1e12:  # NaN, negative or absurd
        raise ActionError(_("The target must be a positive number."))
    if KPIS[kpi].unit == "share" and target > 1:
        raise ActionError(_("A share's target is between 0 % and 100 %."))
    if period_days not in PERIODS:
        raise ActionError(_("The period must be 7, 30, 90 or 365 days."))
    taken = Objective.objects.filter(workspace=workspace, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ActionError(_("An objective of this workspace already has this name."))
    return name


def do_create_objective(
    workspace: Workspace, name: str, kpi: str, comparison: str, target: float, period_days: int, *, actor: Actor
) -> Objective:
    require(actor, workspace, "reports.objectives.edit")
    name = _checked(workspace, name, kpi, comparison, target, period_days)
    with transaction.atomic(durable=True):
        objective = Objective.objects.create(
            workspace=workspace,
            name=name,
            kpi=kpi,
            comparison=comparison,
            target=target,
            period_days=period_days,
            created_by=actor if isinstance(actor, User) else None,
        )
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_CREATE, objective, _data(objective))
    return objective


def do_update_objective(
    objective: Objective, name: str, kpi: str, comparison: str, target: float, period_days: int, *, actor: Actor
) -> Objective:
    workspace = objective.workspace
    require(actor, workspace, "reports.objectives.edit")
    name = _checked(workspace, name, kpi, comparison, target, period_days, exclude=objective.pk)
    with transaction.atomic(durable=True):
        objective.name, objective.kpi, objective.comparison = name, kpi, comparison
        objective.target, objective.period_days = target, period_days
        objective.save()
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_UPDATE, objective, _data(objective))
    return objective


def do_delete_objective(objective: Objective, *, actor: Actor) -> None:
    workspace = objective.workspace
    require(actor, workspace, "reports.objectives.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_DELETE, objective, _data(objective))
        objective.delete()


def _data(objective: Objective) -> dict[str, object]:
    return {
        "name": objective.name,
        "kpi": objective.kpi,
        "comparison": objective.comparison,
        "target": objective.target,
        "period_days": objective.period_days,
    }

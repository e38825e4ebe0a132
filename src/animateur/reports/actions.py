"""Objectives are set, changed and removed here: checked, in one transaction, with one audit event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Membership, User, Workspace
from animateur.core.permissions import roles_for
from animateur.listening.models import SavedSearch
from animateur.members.models import Segment
from animateur.reports import mailing
from animateur.reports.branding import checked_accent, redrawn_logo
from animateur.reports.kpis import KPIS, SCOPE_WORDS, ScopeKind
from animateur.reports.models import (
    Comparison,
    Frequency,
    Objective,
    ReportBranding,
    ReportSchedule,
    ReportSending,
    SavedReport,
)
from animateur.reports.schedules import MAX_ADDRESSES, covered_days, recipient_addresses

PERIODS = (7, 30, 90, 365)


@dataclass(frozen=True)
class ObjectiveScope:
    """The channels, saved searches and segments an objective is narrowed to (empty: all of them)."""

    channels: Sequence[Channel] = ()
    searches: Sequence[SavedSearch] = ()
    segments: Sequence[Segment] = ()


def _checked_scope(workspace: Workspace, kpi: str, scope: ObjectiveScope) -> None:
    parts: dict[ScopeKind, Sequence[Channel | SavedSearch | Segment]] = {
        ScopeKind.CHANNELS: scope.channels,
        ScopeKind.SEARCHES: scope.searches,
        ScopeKind.SEGMENTS: scope.segments,
    }
    for kind, chosen in parts.items():
        if any(item.workspace_id != workspace.pk for item in chosen):
            raise ActionError(_("A channel, search or segment of the scope belongs to another workspace."))
        if chosen and kind not in KPIS[kpi].scopes:
            raise ActionError(
                _("The indicator « %(kpi)s » cannot be narrowed to %(part)s.")
                % {"kpi": KPIS[kpi].label, "part": SCOPE_WORDS[kind]}
            )


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
    workspace: Workspace,
    name: str,
    kpi: str,
    comparison: str,
    target: float,
    period_days: int,
    *,
    actor: Actor,
    scope: ObjectiveScope | None = None,
) -> Objective:
    require(actor, workspace, "reports.objectives.edit")
    name = _checked(workspace, name, kpi, comparison, target, period_days)
    scope = scope or ObjectiveScope()
    _checked_scope(workspace, kpi, scope)
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
        _set_scope(objective, scope)
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_CREATE, objective, _data(objective))
    return objective


def do_update_objective(
    objective: Objective,
    name: str,
    kpi: str,
    comparison: str,
    target: float,
    period_days: int,
    *,
    actor: Actor,
    scope: ObjectiveScope | None = None,
) -> Objective:
    """`scope` None keeps the objective's scope; an empty ObjectiveScope() removes it."""
    workspace = objective.workspace
    require(actor, workspace, "reports.objectives.edit")
    name = _checked(workspace, name, kpi, comparison, target, period_days, exclude=objective.pk)
    if scope is None:
        scope = ObjectiveScope(
            list(objective.channels.all()), list(objective.searches.all()), list(objective.segments.all())
        )
    _checked_scope(workspace, kpi, scope)
    with transaction.atomic(durable=True):
        objective.name, objective.kpi, objective.comparison = name, kpi, comparison
        objective.target, objective.period_days = target, period_days
        objective.save()
        _set_scope(objective, scope)
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_UPDATE, objective, _data(objective))
    return objective


def do_delete_objective(objective: Objective, *, actor: Actor) -> None:
    workspace = objective.workspace
    require(actor, workspace, "reports.objectives.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.REPORT_OBJECTIVE_DELETE, objective, _data(objective))
        objective.delete()


def _set_scope(objective: Objective, scope: ObjectiveScope) -> None:
    objective.channels.set(scope.channels)
    objective.searches.set(scope.searches)
    objective.segments.set(scope.segments)


def _data(objective: Objective) -> dict[str, object]:
    return {
        "name": objective.name,
        "kpi": objective.kpi,
        "comparison": objective.comparison,
        "target": objective.target,
        "period_days": objective.period_days,
        "channels": sorted(objective.channels.values_list("pk", flat=True)),
        "searches": sorted(objective.searches.values_list("pk", flat=True)),
        "segments": sorted(objective.segments.values_list("pk", flat=True)),
    }


def do_create_report_schedule(
    workspace: Workspace,
    frequency: str,
    weekday: int,
    day_of_month: int,
    members: list[User],
    addresses: list[str],
    *,
    actor: Actor,
) -> ReportSchedule:
    require(actor, workspace, "reports.schedules.edit")
    if frequency not in Frequency.values:
        raise ActionError(_("Choose every week or every month."))
    if frequency == Frequency.WEEKLY and not 0 <= weekday <= 6:
        raise ActionError(_("Choose a day of the week."))
    if frequency == Frequency.MONTHLY and not 1 <= day_of_month <= 28:
        raise ActionError(_("The day of the month is between 1 and 28."))
    addresses = _checked_addresses(addresses)
    allowed = set(
        Membership.objects.filter(workspace=workspace, role__in=roles_for("reports.view")).values_list(
            "user_id", flat=True
        )
    )
    if any(user.pk not in allowed for user in members):
        raise ActionError(_("Only team members of this workspace who can see the reports may receive them."))
    if not members and not addresses:
        raise ActionError(_("Choose at least one team member or address to send the report to."))
    with transaction.atomic(durable=True):
        schedule = ReportSchedule.objects.create(
            workspace=workspace,
            frequency=frequency,
            weekday=weekday if frequency == Frequency.WEEKLY else 0,
            day_of_month=day_of_month if frequency == Frequency.MONTHLY else 1,
            addresses=addresses,
            created_by=actor if isinstance(actor, User) else None,
        )
        schedule.members.set(members)
        record(workspace, actor, AuditVerb.REPORT_SCHEDULE_CREATE, schedule, _schedule_data(schedule, members))
    return schedule


def _checked_addresses(addresses: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in addresses:
        address = (raw or "").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ActionError(_("« %(address)s » is not an email address.") % {"address": address[:100]}) from None
        if address.lower() not in {a.lower() for a in cleaned}:
            cleaned.append(address)
    if len(cleaned) > MAX_ADDRESSES:
        raise ActionError(_("At most %(count)d addresses.") % {"count": MAX_ADDRESSES})
    return cleaned


def do_delete_report_schedule(schedule: ReportSchedule, *, actor: Actor) -> None:
    workspace = schedule.workspace
    require(actor, workspace, "reports.schedules.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.REPORT_SCHEDULE_DELETE, schedule, _schedule_data(schedule))
        schedule.delete()


def _schedule_data(schedule: ReportSchedule, members: list[User] | None = None) -> dict[str, object]:
    chosen = members if members is not None else list(schedule.members.all())
    return {
        "frequency": schedule.frequency,
        "weekday": schedule.weekday,
        "day_of_month": schedule.day_of_month,
        "members": [user.pk for user in chosen],
        "addresses": len(schedule.addresses),
    }


def do_send_report_schedule(schedule: ReportSchedule, occurrence: date, *, actor: Actor) -> ReportSending | None:
    """Send the report of one occurrence to each recipient, at most once.

    The sending is recorded (and committed) before the first email leaves: whoever comes next for
    the same occurrence, a second worker or a run after this process was killed, finds it and sends
    nothing. So a recipient may miss a report, never receive it twice. Returns None if it was taken.
    """
    workspace = schedule.workspace
    require(actor, workspace, "reports.schedules.edit")
    start, end = covered_days(schedule, occurrence)
    email = mailing.prepare(workspace, start, end)  # may fail: then nothing is recorded, the next run tries again
    with transaction.atomic(durable=True):
        sending, created = ReportSending.objects.get_or_create(
            schedule=schedule, occurrence=occurrence, defaults={"period_start": start, "period_end": end}
        )
        if not created:
            return None
        addresses = recipient_addresses(schedule)
        record(
            workspace,
            actor,
            AuditVerb.REPORT_SCHEDULE_SEND,
            sending,
            {"schedule": schedule.pk, "start": start.isoformat(), "end": end.isoformat(), "recipients": len(addresses)},
        )
    sent, failed = mailing.deliver(email, addresses)
    ReportSending.objects.filter(pk=sending.pk).update(sent_to=sent, failed=failed, finished_at=timezone.now())
    sending.refresh_from_db()
    return sending


def do_set_report_branding(
    workspace: Workspace, accent: str, *, logo: bytes | None = None, remove_logo: bool = False, actor: Actor
) -> ReportBranding:
    """Set the reports' accent colour, and replace or remove the logo (`logo` is the uploaded file's bytes)."""
    require(actor, workspace, "reports.branding.edit")
    accent = checked_accent(accent)
    drawn = redrawn_logo(logo) if logo is not None else None
    with transaction.atomic(durable=True):
        branding, _created = ReportBranding.objects.select_for_update().get_or_create(workspace=workspace)
        replaced = branding.logo.name if (drawn is not None or remove_logo) and branding.logo else ""
        branding.accent = accent
        if drawn is not None:
            branding.logo.save(f"logo-{uuid.uuid4().hex[:12]}.png", ContentFile(drawn), save=False)
        elif remove_logo:
            branding.logo = ""
        branding.updated_at = timezone.now()
        branding.save()
        record(
            workspace,
            actor,
            AuditVerb.REPORT_BRANDING_SET,
            branding,
            {"accent": accent, "logo": "replaced" if drawn is not None else "removed" if remove_logo else "kept"},
        )
    if replaced:
        storage = branding.logo.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    return branding


def do_save_report(workspace: Workspace, name: str, kpis: list[str], *, actor: Actor) -> SavedReport:
    """Save the chosen KPI tiles under a name (a report already of that name gets the new choice)."""
    require(actor, workspace, "reports.saved.edit")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ActionError(_("A saved report needs a name of at most 100 characters."))
    chosen = [key for key in KPIS if key in set(kpis)]
    if not chosen or len(chosen) != len(set(kpis)):
        raise ActionError(_("Choose at least one indicator of the list."))
    with transaction.atomic(durable=True):
        saved, _created = SavedReport.objects.update_or_create(
            workspace=workspace,
            name=name,
            defaults={"kpis": chosen},
            create_defaults={"kpis": chosen, "created_by": actor if isinstance(actor, User) else None},
        )
        record(workspace, actor, AuditVerb.REPORT_SAVED_SAVE, saved, {"name": name, "kpis": chosen})
    return saved


def do_delete_saved_report(saved: SavedReport, *, actor: Actor) -> None:
    workspace = saved.workspace
    require(actor, workspace, "reports.saved.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.REPORT_SAVED_DELETE, saved, {"name": saved.name, "kpis": saved.kpis})
        saved.delete()

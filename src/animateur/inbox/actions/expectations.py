"""What the team promises: response-time targets, business hours and holidays; unanswered
conversations take new due times when these change."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.inbox import business_time, sla
from animateur.inbox.models import (
    Conversation,
    Holiday,
    Priority,
    ResponseTarget,
    State,
    due_sort_of,
)
from animateur.inbox.reply_handlers import REPLY_HANDLERS


def do_set_response_target(
    workspace: Workspace,
    *,
    actor: Actor,
    channel_kind: str,
    priority: str,
    minutes: int,
    business_hours: bool = True,
) -> ResponseTarget:
    require(actor, workspace, "inbox.sla.edit")
    if minutes < 1 or minutes > 60 * 24 * 60:
        raise ActionError(_("A target is between 1 minute and 60 days."))
    if priority and priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    with transaction.atomic(durable=True):
        target, _created = ResponseTarget.objects.update_or_create(
            workspace=workspace,
            channel_kind=channel_kind or "",
            priority=priority or "",
            defaults={"minutes": minutes, "business_hours": business_hours},
        )
        # Conversations already open and not answered yet take the new target now, not only new ones.
        target.applied_to = recompute_due_dates(workspace)
        record(
            workspace,
            actor,
            AuditVerb.INBOX_TARGET_SET,
            target,
            {
                "channel": channel_kind,
                "priority": priority,
                "minutes": minutes,
                "business_hours": business_hours,
                "applied_to": target.applied_to,
            },
        )
    return target


def do_delete_response_target(target: ResponseTarget, *, actor: Actor) -> None:
    workspace = target.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.INBOX_TARGET_DELETE, target, {"minutes": target.minutes})
        target.delete()
        recompute_due_dates(workspace)


def do_set_business_hours(workspace: Workspace, hours: dict, *, actor: Actor) -> None:
    require(actor, workspace, "inbox.sla.edit")
    try:
        business_time.parse_hours(hours)
    except business_time.HoursError as exc:
        raise ActionError(_hours_problem(exc)) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise ActionError(_("Business hours are not valid.")) from exc
    with transaction.atomic(durable=True):
        Workspace.objects.filter(pk=workspace.pk).update(business_hours=hours)
        workspace.business_hours = hours
        record(workspace, actor, AuditVerb.INBOX_BUSINESS_HOURS_SET, workspace, {"hours": hours})
        recompute_due_dates(workspace)


def _hours_problem(error: business_time.HoursError) -> str:
    """The problem in the reader's words, the day named as their calendar names it (« lundi »)."""
    day = str(WEEKDAYS[business_time.DAYS.index(error.day)]) if error.day in business_time.DAYS else error.day
    values = {"day": day, "value": error.value}
    if error.problem == "unknown_day":
        return _("Unknown day in the business hours: %(day)s.") % values
    if error.problem == "not_a_time":
        return _("%(day)s: “%(value)s” is not a time; write it as 09:00.") % values
    if error.problem == "ends_before_start":
        return _("%(day)s: %(value)s ends before it starts.") % values
    if error.problem == "overlap":
        return _("%(day)s: the intervals overlap.") % values
    return _("%(day)s: write intervals as 09:00-18:00.") % values


def do_add_holiday(workspace: Workspace, day: date, name: str, *, actor: Actor) -> Holiday:
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic(durable=True):
        holiday, _created = Holiday.objects.update_or_create(
            workspace=workspace, date=day, defaults={"name": (name or "")[:120]}
        )
        record(workspace, actor, AuditVerb.INBOX_HOLIDAY_ADD, holiday, {"date": day.isoformat(), "name": name})
        recompute_due_dates(workspace)
    return holiday


def do_delete_holiday(holiday: Holiday, *, actor: Actor) -> None:
    workspace = holiday.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic(durable=True):
        record(workspace, actor, AuditVerb.INBOX_HOLIDAY_DELETE, holiday, {"date": holiday.date.isoformat()})
        holiday.delete()
        recompute_due_dates(workspace)


def recompute_due_dates(workspace: Workspace) -> int:
    """Unanswered conversations get their due time again after targets or hours change."""
    expectations = sla.expectations_for([workspace])[workspace.pk]
    changed = 0
    for pk, channel_kind, priority, started_at, due_at, root_kind in (
        Conversation.objects.filter(workspace=workspace, first_response_at=None)
        .exclude(state=State.CLOSED)
        .values_list("pk", "channel_kind", "priority", "started_at", "due_at", "root__kind")
        .iterator()
    ):
        expected = sla.expects_answer(channel_kind, root_kind, can_reply=channel_kind in REPLY_HANDLERS)
        due = expectations.due_at(channel_kind, priority, started_at, expected=expected)
        if due != due_at:
            Conversation.objects.filter(pk=pk).update(due_at=due, due_sort=due_sort_of(due, None))
            changed += 1
    return changed

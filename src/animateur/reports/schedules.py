"""When a scheduled report is due, which days it covers, and who receives it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import Http404
from django.shortcuts import get_object_or_404

from animateur.core.models import User, Workspace
from animateur.core.permissions import roles_for
from animateur.reports.models import Frequency, ReportSchedule
from animateur.reports.periods import _zone

MAX_ADDRESSES = 50
MAX_ID = 2**63 - 1


def schedule_of(workspace: Workspace, schedule_id: int) -> ReportSchedule:
    """The workspace's schedule, or 404 (another workspace's, or an id beyond what a database stores)."""
    if not 0 < schedule_id <= MAX_ID:
        raise Http404
    return get_object_or_404(ReportSchedule, pk=schedule_id, workspace=workspace)


def local_today(schedule: ReportSchedule, now: datetime) -> date:
    return now.astimezone(_zone(schedule.workspace)).date()


def _month_before(day: date) -> date:
    # day_of_month is at most 28, so the same day exists in every month.
    return date(day.year - 1, 12, day.day) if day.month == 1 else date(day.year, day.month - 1, day.day)


def latest_occurrence(schedule: ReportSchedule, today: date) -> date:
    """The last day, today included, on which the schedule was due."""
    if schedule.frequency == Frequency.WEEKLY:
        return today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
    this_month = date(today.year, today.month, schedule.day_of_month)
    return this_month if today >= this_month else _month_before(this_month)


def covered_days(schedule: ReportSchedule, occurrence: date) -> tuple[date, date]:
    """The first and last day the report of that occurrence covers: the week or month before it."""
    last = occurrence - timedelta(days=1)
    if schedule.frequency == Frequency.WEEKLY:
        return occurrence - timedelta(days=7), last
    return _month_before(occurrence), last


def due_occurrence(schedule: ReportSchedule, now: datetime) -> date | None:
    """The occurrence to send now, if any: the latest one, unless it came before the schedule was
    made or was already sent (a server down on the day sends it late, once, not every one missed)."""
    occurrence = latest_occurrence(schedule, local_today(schedule, now))
    if occurrence < schedule.created_at.astimezone(_zone(schedule.workspace)).date():
        return None
    if schedule.sendings.filter(occurrence=occurrence).exists():
        return None
    return occurrence


def team_recipients(schedule: ReportSchedule) -> list[User]:
    """The chosen team members who may still read the workspace's reports (one who left gets nothing)."""
    return list(
        schedule.members.filter(
            is_active=True,
            memberships__workspace=schedule.workspace,
            memberships__role__in=roles_for("reports.view"),
        )
        .distinct()
        .order_by("pk")
    )


def recipient_addresses(schedule: ReportSchedule) -> list[str]:
    found = [user.email for user in team_recipients(schedule) if user.email]
    for address in schedule.addresses:
        if address.lower() not in {a.lower() for a in found}:
            found.append(address)
    return found

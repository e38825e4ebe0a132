"""Expectation management pages: targets, business hours, holidays, and how the team did."""

from __future__ import annotations

import csv
import json
from datetime import date

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from animateur.channels.labels import kind_label
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.typing import WorkspaceRequest
from animateur.inbox import charts, selectors, stats
from animateur.inbox.actions.expectations import (
    do_add_holiday,
    do_delete_holiday,
    do_delete_response_target,
    do_set_business_hours,
    do_set_response_target,
)
from animateur.inbox.business_time import DAYS
from animateur.inbox.models import Holiday, Priority, ResponseTarget
from animateur.inbox.templatetags.inbox_tags import duration


@workspace_permission("inbox.view")
def settings_page(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    hours = workspace.business_hours or {}
    rows = [(day, day_label(day), ", ".join(f"{a}-{b}" for a, b in hours.get(day, []))) for day in DAYS]
    return render(
        request,
        "inbox/settings.html",
        {
            "targets": ResponseTarget.objects.filter(workspace=workspace).order_by("channel_kind", "priority"),
            "holidays": Holiday.objects.filter(workspace=workspace),
            "hours_rows": rows,
            "channels": [(kind, kind_label(kind)) for kind in selectors.channel_kinds(workspace)],
            "priorities": Priority.choices,
        },
    )


@workspace_permission("inbox.sla.edit")
@require_POST
def target_save(request: WorkspaceRequest) -> HttpResponse:
    try:
        minutes = int(request.POST.get("minutes", ""))
    except ValueError:
        messages.error(request, _("The target must be a number of minutes."))
        return redirect("inbox:settings")
    # ActionError is a ValueError too: the number is read apart, so the action's own reason is the one shown.
    try:
        target = do_set_response_target(
            request.workspace,
            actor=request.user,
            channel_kind=request.POST.get("channel_kind", ""),
            priority=request.POST.get("priority", ""),
            minutes=minutes,
            business_hours=request.POST.get("business_hours") == "1",
        )
        if target.applied_to:
            messages.success(
                request,
                ngettext(
                    "Target saved: it now also sets the due time of %(n)d open conversation not answered yet.",
                    "Target saved: it now also sets the due time of %(n)d open conversations not answered yet.",
                    target.applied_to,
                )
                % {"n": target.applied_to},
            )
        else:
            messages.success(request, _("Target saved."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("inbox:settings")


@workspace_permission("inbox.sla.edit")
@require_POST
def target_delete(request: WorkspaceRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(ResponseTarget, pk=target_id, workspace=request.workspace)
    do_delete_response_target(target, actor=request.user)
    return redirect("inbox:settings")


def day_label(day: str) -> str:
    """« lundi » for mon: the names Django already translates, in the reader's language."""
    return str(WEEKDAYS[DAYS.index(day)]) if day in DAYS else day


def parse_hours_form(post: dict) -> dict:
    """One text field per day: "09:00-12:30, 14:00-18:00" (empty = closed)."""
    hours = {}
    for day in DAYS:
        raw = (post.get(f"hours_{day}") or "").strip()
        if not raw:
            continue
        intervals = []
        for part in raw.split(","):
            start, sep, end = part.strip().partition("-")
            if not sep:
                raise ActionError(_("%(day)s: write intervals as 09:00-18:00.") % {"day": day_label(day)})
            intervals.append([start.strip(), end.strip()])
        hours[day] = intervals
    return hours


@workspace_permission("inbox.sla.edit")
@require_POST
def hours_save(request: WorkspaceRequest) -> HttpResponse:
    try:
        do_set_business_hours(request.workspace, parse_hours_form(request.POST), actor=request.user)
        messages.success(request, _("Business hours saved."))
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("inbox:settings")


@workspace_permission("inbox.sla.edit")
@require_POST
def holiday_add(request: WorkspaceRequest) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("Enter the holiday's date as YYYY-MM-DD."))
        return redirect("inbox:settings")
    do_add_holiday(request.workspace, day, request.POST.get("name", ""), actor=request.user)
    return redirect("inbox:settings")


@workspace_permission("inbox.sla.edit")
@require_POST
def holiday_delete(request: WorkspaceRequest, holiday_id: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=holiday_id, workspace=request.workspace)
    do_delete_holiday(holiday, actor=request.user)
    return redirect("inbox:settings")


def _weeks(request: WorkspaceRequest) -> int:
    try:
        return min(104, max(1, int(request.GET.get("weeks", 12))))
    except ValueError:
        return 12


def _measure(request: WorkspaceRequest) -> str:
    return "seconds" if request.GET.get("measure") == "wall" else "business_seconds"


@workspace_permission("reports.view")
def response_times(request: WorkspaceRequest) -> HttpResponse:
    report = stats.report(request.workspace, _weeks(request), _measure(request))
    weeks = [(stats.week_label(k), f) for k, f in report["by_week"]]
    channels = [(kind_label(k), f) for k, f in report["by_channel"]]
    return render(
        request,
        "inbox/response_times.html",
        {
            "r": report,
            "weeks": weeks,
            "channels": channels,
            "chart": charts.response_time_chart(report),
            "wall": _measure(request) == "seconds",
        },
    )


@workspace_permission("reports.view")
def response_times_csv(request: WorkspaceRequest) -> HttpResponse:
    report = stats.report(request.workspace, _weeks(request), _measure(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="response-times.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["group", "key", "count", "median_seconds", "average_seconds", "p90_seconds", "share_within_target"]
    )

    def row(group: str, key: str, f: stats.Figures) -> None:
        writer.writerow(
            [
                group,
                key,
                f.count,
                _num(f.median),
                _num(f.average),
                _num(f.p90),
                "" if f.within_target is None else f"{f.within_target:.3f}",
            ]
        )

    row("overall", "", report["overall"])
    row("arrival", "in_hours", report["in_hours"])
    row("arrival", "out_of_hours", report["out_hours"])
    for group in ("by_channel", "by_user", "by_week"):
        for key, f in report[group]:
            row(group.removeprefix("by_"), str(key), f)
    return response


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


__all__ = ["duration", "json"]

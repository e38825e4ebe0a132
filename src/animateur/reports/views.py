"""« Aujourd'hui », the objectives, and the report with its PDF, CSV and read-only link."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.models import Workspace
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.reports import actions, agency, exports, periods
from animateur.reports.branding import DEFAULT_ACCENT, MAX_LOGO_BYTES, branding_of, look
from animateur.reports.charts import volume_chart
from animateur.reports.forms import MAX_ID, BrandingForm, ObjectiveForm, PeriodForm, SavedReportForm, ScheduleForm
from animateur.reports.kpis import KPIS
from animateur.reports.models import Objective, ReportSchedule, SavedReport
from animateur.reports.objectives import objective_of, progress_of
from animateur.reports.report import Report, build
from animateur.reports.schedules import schedule_of
from animateur.reports.today import attention

SHARE_SALT = "animateur.reports.share"
SHARE_DAYS = 90


def _today_context(request: WorkspaceRequest) -> dict[str, object]:
    objectives = Objective.objects.filter(workspace=request.workspace)
    return {
        "attention": attention(request.workspace, request.user),
        "progress": progress_of(objectives),
        "can_edit": has_permission(request.user, request.workspace, "reports.objectives.edit"),
        "refreshed_at": timezone.now(),
    }


@workspace_permission("workspace.view")
def today(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "reports/today.html", _today_context(request))


@workspace_permission("workspace.view")
def today_live(request: WorkspaceRequest) -> HttpResponse:
    """The same figures, for the page to refresh itself (htmx, every minute)."""
    return render(request, "reports/_today_body.html", _today_context(request))


@workspace_permission("reports.view")
def objectives(request: WorkspaceRequest) -> HttpResponse:
    form = ObjectiveForm(request.POST or None, workspace=request.workspace)
    status = 200
    if request.method == "POST":
        if not has_permission(request.user, request.workspace, "reports.objectives.edit"):
            raise PermissionDenied("reports.objectives.edit")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_create_objective(
                    request.workspace,
                    data["name"],
                    data["kpi"],
                    data["comparison"],
                    data["target"],
                    data["period_days"],
                    actor=request.user,
                    scope=form.scope(),
                )
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                flash.success(request, _("Objective set."))
                return redirect("reports:objectives")
        status = 400
    listed = Objective.objects.filter(workspace=request.workspace)
    return render(
        request,
        "reports/objectives.html",
        {
            "progress": progress_of(listed),
            "form": form,
            "can_edit": has_permission(request.user, request.workspace, "reports.objectives.edit"),
            "kpis": KPIS.values(),
        },
        status=status,
    )


@workspace_permission("reports.objectives.edit")
def objective(request: WorkspaceRequest, objective_id: int) -> HttpResponse:
    found = objective_of(request.workspace, objective_id)
    form = (
        ObjectiveForm(request.POST, workspace=request.workspace)
        if request.method == "POST"
        else ObjectiveForm.for_objective(found)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_update_objective(
                    found,
                    data["name"],
                    data["kpi"],
                    data["comparison"],
                    data["target"],
                    data["period_days"],
                    actor=request.user,
                    scope=form.scope(),
                )
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                flash.success(request, _("Objective saved."))
                return redirect("reports:objectives")
        status = 400
    return render(
        request, "reports/objective.html", {"objective": found, "form": form, "kpis": KPIS.values()}, status=status
    )


@require_POST
@workspace_permission("reports.objectives.edit")
def objective_delete(request: WorkspaceRequest, objective_id: int) -> HttpResponse:
    found = objective_of(request.workspace, objective_id)
    actions.do_delete_objective(found, actor=request.user)
    flash.success(request, _("Objective removed."))
    return redirect("reports:objectives")


def _period(request: HttpRequest, workspace: Workspace) -> tuple[PeriodForm, periods.Period | None]:
    form = PeriodForm(request.GET or None)
    if not request.GET:
        form = PeriodForm({})
    if not form.is_valid():
        return form, None
    return form, periods.between(workspace, form.cleaned_data["start"], form.cleaned_data["end"])


def _saved(request: HttpRequest, workspace: Workspace) -> SavedReport | None:
    """The saved report named in ?saved=, None for the default one, 404 for a name not saved."""
    name = request.GET.get("saved", "")
    if not name:
        return None
    found = None
    if len(name) <= 100 and "\x00" not in name:
        found = SavedReport.objects.filter(workspace=workspace, name=name).first()
    if found is None:
        raise Http404(_("No saved report has this name."))
    return found


def _build(workspace: Workspace, period: periods.Period, saved: SavedReport | None) -> Report:
    if saved is None:
        return build(workspace, period, now=timezone.now())
    return build(workspace, period, now=timezone.now(), kpis=saved.kpis, name=saved.name)


@workspace_permission("reports.view")
def report(request: WorkspaceRequest) -> HttpResponse:
    form, period = _period(request, request.workspace)
    saved = _saved(request, request.workspace)
    listed = SavedReport.objects.filter(workspace=request.workspace)
    several = len(agency.reportable_workspaces(request.user)) > 1
    if period is None:
        context = {"period_form": form, "saved_reports": listed, "several_clients": several}
        return render(request, "reports/report.html", context, status=400)
    built = _build(request.workspace, period, saved)
    context = exports.context_for(built)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    query = urlencode({"start": start.isoformat(), "end": end.isoformat(), **({"saved": saved.name} if saved else {})})
    context.update(
        period_form=form,
        query=query,
        chart=volume_chart(built),
        share_url=_share_url(request, start, end, saved),
        saved_reports=listed,
        chosen=saved,
        saved_form=SavedReportForm(),
        can_save=has_permission(request.user, request.workspace, "reports.saved.edit"),
        several_clients=several,
        **_schedules_context(request),
    )
    return render(request, "reports/report.html", context)


@workspace_permission("reports.saved.edit")
def saved_reports(request: WorkspaceRequest) -> HttpResponse:
    """Saves the chosen tiles under a name; the saved reports are listed and chosen on the report's page."""
    if request.method != "POST":
        return redirect("reports:report")
    form = SavedReportForm(request.POST)
    if form.is_valid():
        try:
            saved = actions.do_save_report(
                request.workspace, form.cleaned_data["name"], form.cleaned_data["kpis"], actor=request.user
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("Report saved."))
            return redirect(reverse("reports:report") + "?" + urlencode({"saved": saved.name}))
    return render(request, "reports/saved.html", {"saved_form": form}, status=400)


@require_POST
@workspace_permission("reports.saved.edit")
def saved_report_delete(request: WorkspaceRequest, saved_id: int) -> HttpResponse:
    if not 0 < saved_id <= MAX_ID:
        raise Http404
    found = get_object_or_404(SavedReport, pk=saved_id, workspace=request.workspace)
    actions.do_delete_saved_report(found, actor=request.user)
    flash.success(request, _("Saved report deleted."))
    return redirect("reports:report")


def _schedules_context(request: WorkspaceRequest, form: ScheduleForm | None = None) -> dict[str, object]:
    return {
        "schedules": ReportSchedule.objects.filter(workspace=request.workspace).prefetch_related("members"),
        "schedule_form": form or ScheduleForm(workspace=request.workspace),
        "can_schedule": has_permission(request.user, request.workspace, "reports.schedules.edit"),
        "can_brand": has_permission(request.user, request.workspace, "reports.branding.edit"),
    }


@workspace_permission("reports.branding.edit")
def branding(request: WorkspaceRequest) -> HttpResponse:
    """The logo and accent colour of the workspace's PDF reports and shared report pages."""
    current = branding_of(request.workspace)
    if request.method != "POST":
        # A colour input always sends a colour: it starts on the one in use, never on black.
        form = BrandingForm(initial={"accent": (current.accent if current else "") or DEFAULT_ACCENT})
        return render(request, "reports/branding.html", {"form": form, **look(request.workspace)})
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["logo"]
        try:
            if upload is not None and upload.size > MAX_LOGO_BYTES:
                raise ActionError(_("The logo must weigh at most 1 MB."))
            actions.do_set_report_branding(
                request.workspace,
                form.cleaned_data["accent"],
                logo=upload.read() if upload is not None else None,
                remove_logo=form.cleaned_data["remove_logo"],
                actor=request.user,
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("The reports' look is saved."))
            return redirect("reports:branding")
    return render(request, "reports/branding.html", {"form": form, **look(request.workspace)}, status=400)


@workspace_permission("reports.schedules.edit")
def schedules(request: WorkspaceRequest) -> HttpResponse:
    """Schedules are listed on the report's page; this page takes a new one (and shows it again if wrong)."""
    form = ScheduleForm(request.POST or None, workspace=request.workspace)
    if request.method != "POST":
        return redirect("reports:report")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_create_report_schedule(
                request.workspace,
                data["frequency"],
                data["weekday"],
                data["day_of_month"],
                list(data["members"]),
                form.address_list(),
                actor=request.user,
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            flash.success(request, _("The report will be sent on schedule."))
            return redirect(reverse("reports:report") + "#schedules")
    return render(request, "reports/schedules.html", _schedules_context(request, form), status=400)


@require_POST
@workspace_permission("reports.schedules.edit")
def schedule_delete(request: WorkspaceRequest, schedule_id: int) -> HttpResponse:
    found = schedule_of(request.workspace, schedule_id)
    actions.do_delete_report_schedule(found, actor=request.user)
    flash.success(request, _("The scheduled report will no longer be sent."))
    return redirect(reverse("reports:report") + "#schedules")


@workspace_permission("reports.view")
def report_pdf(request: WorkspaceRequest) -> HttpResponse:
    form, period = _period(request, request.workspace)
    if period is None:
        return HttpResponse(_("Invalid period: %(problem)s") % {"problem": _errors(form)}, status=400)
    document = exports.pdf(_build(request.workspace, period, _saved(request, request.workspace)))
    response = HttpResponse(document, content_type="application/pdf")
    name = f"report-{request.workspace.slug}-{form.cleaned_data['start']}-{form.cleaned_data['end']}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@workspace_permission("reports.view")
def report_csv(request: WorkspaceRequest) -> HttpResponse:
    form, period = _period(request, request.workspace)
    if period is None:
        return HttpResponse(_("Invalid period: %(problem)s") % {"problem": _errors(form)}, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    exports.write_csv(request.workspace, period, response)  # type: ignore[arg-type]  # a file-like HttpResponse
    name = f"conversations-{request.workspace.slug}-{form.cleaned_data['start']}-{form.cleaned_data['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _errors(form: PeriodForm) -> str:
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


def _share_url(request: WorkspaceRequest, start: date, end: date, saved: SavedReport | None = None) -> str:
    data: dict[str, object] = {"w": request.workspace.pk, "s": start.isoformat(), "e": end.isoformat()}
    if saved is not None:
        data["r"] = saved.pk
    token = signing.dumps(data, salt=SHARE_SALT)
    return request.build_absolute_uri(reverse("reports:shared", args=(token,)))


def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The report read-only, for whoever holds the signed link (a client without an account), for 90 days."""
    try:
        data = signing.loads(token, salt=SHARE_SALT, max_age=SHARE_DAYS * 86400)
        workspace = Workspace.objects.get(pk=data["w"])
        start, end = date.fromisoformat(data["s"]), date.fromisoformat(data["e"])
    except (signing.BadSignature, Workspace.DoesNotExist, KeyError, TypeError, ValueError):
        raise Http404(_("This report link is invalid or has expired.")) from None
    period = periods.between(workspace, start, end)
    saved = SavedReport.objects.filter(workspace=workspace, pk=data["r"]).first() if data.get("r") else None
    if data.get("r") and saved is None:
        raise Http404(_("This report link is invalid or has expired."))
    built = _build(workspace, period, saved)
    with translation.override(workspace.language or "fr"):
        context = exports.context_for(built)
        context.update(chart=volume_chart(built), shared=True, workspace=workspace)
        response = render(request, "reports/shared.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


AgencyChoice = tuple[PeriodForm, list[Workspace], list[Workspace], agency.AgencyReport | None]


def _agency(request: WorkspaceRequest) -> AgencyChoice:
    """The period, the clients the reader may report on, those chosen (?w=slug…, all by default) and their report."""
    form = PeriodForm(request.GET or {})
    allowed = agency.reportable_workspaces(request.user)
    wanted = set(request.GET.getlist("w"))
    chosen = [ws for ws in allowed if ws.slug in wanted] if wanted else allowed
    if not form.is_valid():
        return form, allowed, chosen, None
    built = agency.build_agency(chosen, form.cleaned_data["start"], form.cleaned_data["end"])
    return form, allowed, chosen, built


@workspace_permission("reports.view")
def agency_report(request: WorkspaceRequest) -> HttpResponse:
    """Every client of the reader side by side (an agency's view): the workspaces they may report on."""
    form, allowed, chosen, built = _agency(request)
    query = urlencode([(k, v) for k in ("start", "end", "w") for v in request.GET.getlist(k)])
    context: dict[str, object] = {
        "period_form": form,
        "allowed": allowed,
        "chosen": chosen,
        "agency": built,
        "query": query,
        "rows": [{"workspace": r.workspace, "cells": [agency.cell(t) for t in r.tiles]} for r in built.rows]
        if built
        else [],
        "totals": [agency.cell(t) for t in built.totals] if built else [],
    }
    return render(request, "reports/agency.html", context, status=200 if built else 400)


@workspace_permission("reports.view")
def agency_csv(request: WorkspaceRequest) -> HttpResponse:
    form, _allowed, _chosen, built = _agency(request)
    if built is None:
        return HttpResponse(_("Invalid period: %(problem)s") % {"problem": _errors(form)}, status=400)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    agency.write_csv(built, response)  # type: ignore[arg-type]  # a file-like HttpResponse
    response["Content-Disposition"] = f'attachment; filename="clients-{built.start}-{built.end}.csv"'
    return response

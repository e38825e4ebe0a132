"""The team's member pages: the list, a member's page, merge suggestions, undo, GDPR, settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.members import actions, engagement, selectors
from animateur.members.forms import (
    ACTIVITY_LABELS,
    COHORT_LABELS,
    CustomFieldForm,
    MemberFieldsForm,
    MemberFilterForm,
    NoteForm,
    SegmentForm,
    SettingsForm,
    SnoozeForm,
    TagsForm,
)
from animateur.members.models import CustomField, ProfileLink, SegmentAlert, SuggestionStatus
from animateur.stream.models import Member

MAX_ID = 2**63 - 1
# The list counts its members up to this many, then says « more than »: an exact count of a million
# members reads them all, where the page itself reads fifty.
COUNT_LIMIT = 1_000


@workspace_permission("members.view")
def member_list(request: WorkspaceRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None, workspace=request.workspace)
    if form.is_bound and not form.is_valid():
        return render(request, "members/list.html", {"form": form, "page": None}, status=400)
    filters = form.filters() if form.is_bound else selectors.MemberFilters()
    page = selectors.page_of(request.workspace, filters, count_limit=COUNT_LIMIT)
    active = form.active() if form.is_bound else {}
    return render(
        request,
        "members/list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(active),
            "next_query": urlencode({**active, "page": page.page + 1}),
            "previous_query": urlencode({**active, "page": page.page - 1}),
            "open_suggestions": selectors.suggestions(request.workspace).count(),
            "segments": list(selectors.segments(request.workspace)),
            "segment_form": SegmentForm(initial={"query": urlencode(active)}),
            "current_query": urlencode(active),
        },
    )


def _before(request: WorkspaceRequest) -> int | None:
    raw = request.GET.get("before", "")
    if raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    return None


@workspace_permission("members.view")
def member_detail(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    info = selectors.detail(request.workspace, member_id, before=_before(request))
    activity = []
    if info.profile is not None:
        activity = [(ACTIVITY_LABELS[k], info.profile.activity.get(k, 0)) for k in engagement.ACTIVITY_KINDS]
    from animateur.members import introductions

    fields = list(CustomField.objects.filter(workspace=request.workspace).order_by("name"))
    values = actions.custom_values_by_member([info.member.pk]).get(info.member.pk, {})
    fields_form = MemberFieldsForm(
        fields=fields, initial={f"field_{f.pk}": values.get(f.name, "") for f in fields}, prefix="cf"
    )
    links_of: dict[int, list[ProfileLink]] = {}
    for link in ProfileLink.objects.filter(identity__in=info.identities).order_by("id"):
        links_of.setdefault(link.identity_id, []).append(link)
    for identity in info.identities:
        identity.profile_links = links_of.get(identity.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "members/detail.html",
        {
            "info": info,
            "member": info.member,
            "custom_fields": [(f, values.get(f.name)) for f in fields],
            "fields_form": fields_form,
            "introductions": introductions.suggestions(request.workspace, member=info.member, limit=5),
            "activity": [row for row in activity if row[1]],
            "note_form": NoteForm(),
            "tags_form": TagsForm(initial={"tags": ", ".join(info.tags)}),
            "can_edit": has_permission(request.user, request.workspace, "members.edit"),
            "can_merge": has_permission(request.user, request.workspace, "members.merge"),
            "can_export": has_permission(request.user, request.workspace, "members.export"),
            "can_erase": has_permission(request.user, request.workspace, "members.erase"),
        },
    )


def _to_member(member_id: int) -> HttpResponseRedirect:
    return redirect(reverse("members:detail", args=[member_id]))


@require_POST
@workspace_permission("members.edit")
def add_note(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    return _member_form(
        request,
        member_id,
        NoteForm(request.POST),
        lambda member, data: actions.do_add_member_note(request.workspace, member, data["text"], actor=request.user),
        invalid=_("A note needs some text (at most 5000 characters)."),
        done=_("Note added."),
    )


def _member_form(
    request: WorkspaceRequest,
    member_id: int,
    form: forms.Form,
    act: Callable[[Member, dict[str, Any]], object],
    *,
    invalid: str,
    done: str,
) -> HttpResponse:
    """A form posted from a member's page: read, act, say how it went, and back to the page."""
    member = selectors.get_member(request.workspace, member_id)
    if not form.is_valid():
        messages.error(request, invalid)
        return _to_member(member.pk)
    try:
        act(member, form.cleaned_data)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _to_member(member.pk)


@require_POST
@workspace_permission("members.edit")
def set_tags(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    return _member_form(
        request,
        member_id,
        TagsForm(request.POST),
        lambda member, data: actions.do_set_member_tags(request.workspace, member, data["tags"], actor=request.user),
        invalid=_("These tags cannot be read."),
        done=_("Tags saved."),
    )


@require_POST
@workspace_permission("members.edit")
def mark_ambassador(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = selectors.get_member(request.workspace, member_id)
    value = request.POST.get("ambassador") == "1"
    actions.do_mark_ambassador(request.workspace, member, value, actor=request.user)
    messages.success(request, _("Marked as an ambassador.") if value else _("No longer marked as an ambassador."))
    return _to_member(member.pk)


@workspace_permission("members.merge")
def split_identity(request: WorkspaceRequest, member_id: int, identity_id: int) -> HttpResponse:
    member = selectors.get_member(request.workspace, member_id)
    identity = selectors.get_identity(member, identity_id)
    if request.method == "POST":
        try:
            new = actions.do_split_identity(request.workspace, identity, actor=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
            return _to_member(member.pk)
        messages.success(request, _("The identity is now a member of its own."))
        return _to_member(new.pk)
    preview = selectors.preview_identities([identity.pk])
    return render(
        request,
        "members/preview.html",
        {"member": member, "preview": preview, "what": "split", "back": reverse("members:detail", args=[member.pk])},
    )


@workspace_permission("members.merge")
def revert_merge(request: WorkspaceRequest, merge_id: int) -> HttpResponse:
    merge = selectors.get_merge(request.workspace, merge_id)
    if request.method == "POST":
        try:
            restored = actions.do_revert_merge(request.workspace, merge, actor=request.user)
        except ActionError as exc:
            messages.error(request, str(exc))
            return _to_member(merge.into_id)
        messages.success(request, _("The merge was undone."))
        return _to_member(restored.pk)
    preview = selectors.preview_identities(list(merge.identities.values_list("pk", flat=True)))
    return render(
        request,
        "members/preview.html",
        {
            "member": merge.into,
            "merge": merge,
            "preview": preview,
            "what": "revert",
            "back": reverse("members:detail", args=[merge.into_id]),
        },
    )


@workspace_permission("members.view")
def suggestion_list(request: WorkspaceRequest) -> HttpResponse:
    status = request.GET.get("status", SuggestionStatus.OPEN)
    if status not in SuggestionStatus.values:
        status = SuggestionStatus.OPEN
    rows = list(selectors.suggestions(request.workspace, status=status)[:200])
    return render(
        request,
        "members/suggestions.html",
        {
            "rows": rows,
            "status": status,
            "statuses": SuggestionStatus.choices,
            "can_merge": has_permission(request.user, request.workspace, "members.merge"),
        },
    )


@workspace_permission("members.merge")
def decide_suggestion(request: WorkspaceRequest, suggestion_id: int) -> HttpResponse:
    suggestion = selectors.get_suggestion(request.workspace, suggestion_id)
    if request.method == "POST":
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to merge, to reject or to snooze."))
            return redirect(reverse("members:suggestion", args=[suggestion.pk]))
        try:
            merge = actions.do_decide_suggestion(
                request.workspace, suggestion, form.cleaned_data["decision"], actor=request.user
            )
        except ActionError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("members:suggestions"))
        if merge is not None:
            messages.success(request, _("Merged. The merge can be undone from the member's page."))
            return _to_member(merge.into_id)
        messages.success(request, _("Decision saved."))
        return redirect(reverse("members:suggestions"))
    identities = selectors.identities_by_member([suggestion.first_id, suggestion.second_id])
    counts = selectors.members_pair_counts([suggestion.first_id, suggestion.second_id])
    sides = [(m, identities.get(m.pk, []), counts.get(m.pk, 0)) for m in (suggestion.first, suggestion.second)]
    return render(request, "members/suggestion.html", {"suggestion": suggestion, "sides": sides})


@require_POST
@workspace_permission("members.export")
def export_member(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = selectors.get_member(request.workspace, member_id)
    data = actions.do_export_member(request.workspace, member, actor=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="member-{member.pk}.json"'
    return response


@workspace_permission("members.erase")
def erase_member(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = selectors.get_member(request.workspace, member_id)
    family = selectors.family_ids(member)
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Tick the box to confirm the erasure."))
            return redirect(reverse("members:erase", args=[member.pk]))
        counts = actions.do_erase_member(request.workspace, member, actor=request.user)
        messages.success(
            request,
            _("Erased: %(identities)d identities and %(messages)d messages.")
            % {"identities": counts["identities"], "messages": counts["messages"]},
        )
        return redirect(reverse("members:list"))
    from animateur.stream.models import Identity

    identity_ids = list(Identity.objects.filter(member_id__in=family).values_list("pk", flat=True))
    return render(
        request, "members/erase.html", {"member": member, "preview": selectors.preview_identities(identity_ids)}
    )


@workspace_permission("members.settings")
def settings_page(request: WorkspaceRequest) -> HttpResponse:
    current = selectors.settings_of(request.workspace)
    weights = engagement.merged_weights(current.weights)
    initial = {
        "auto_merge_certain": current.auto_merge_certain,
        "half_life_days": current.half_life_days,
        **{f"weight_{k}": v for k, v in weights.items()},
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_update_members_settings(
                    request.workspace,
                    auto_merge_certain=form.cleaned_data["auto_merge_certain"],
                    weights=form.weights(),
                    half_life_days=form.cleaned_data["half_life_days"],
                    actor=request.user,
                )
            except ActionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Settings saved. Recompute to apply them."))
                return redirect(reverse("members:settings"))
        return render(request, "members/settings.html", {"form": form}, status=400)
    return render(request, "members/settings.html", {"form": form, "defaults": engagement.DEFAULT_WEIGHTS})


@require_POST
@workspace_permission("members.settings")
def recompute_members(request: WorkspaceRequest) -> HttpResponse:
    summary = actions.do_recompute_members(request.workspace, actor=request.user)
    messages.success(
        request,
        _("Recomputed %(members)d members; %(suggestions)d merge suggestions, %(merged)d merged at once.") % summary,
    )
    return redirect(reverse("members:list"))


@require_POST
@workspace_permission("members.edit")
def save_segment(request: WorkspaceRequest) -> HttpResponse:
    form = SegmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A segment needs a name of at most 100 characters."))
        return redirect(reverse("members:list"))
    try:
        segment = actions.do_save_segment(
            request.workspace, form.cleaned_data["name"], form.cleaned_data["query"], actor=request.user
        )
    except ActionError as exc:
        messages.error(request, str(exc))
        return redirect(reverse("members:list"))
    messages.success(request, _("Segment saved."))
    return redirect(reverse("members:list") + ("?" + segment.query if segment.query else ""))


@require_POST
@workspace_permission("members.edit")
def delete_segment(request: WorkspaceRequest, segment_id: int) -> HttpResponse:
    segment = selectors.get_segment(request.workspace, segment_id)
    actions.do_delete_segment(request.workspace, segment, actor=request.user)
    messages.success(request, _("Segment deleted."))
    return redirect(reverse("members:list"))


# --- custom fields ------------------------------------------------------------------------------


@workspace_permission("members.settings")
def field_list(request: WorkspaceRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST":
        if _save_field(request, form, None):
            return redirect(reverse("members:fields"))
        status = 400
    else:
        status = 200
    fields = list(CustomField.objects.filter(workspace=request.workspace).order_by("name"))
    return render(request, "members/fields.html", {"form": form, "fields": fields}, status=status)


@workspace_permission("members.settings")
def field_edit(request: WorkspaceRequest, field_id: int) -> HttpResponse:
    field = selectors_field(request, field_id)
    initial = {"name": field.name, "kind": field.kind, "choices": ", ".join(field.choices)}
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if _save_field(request, form, field):
            return redirect(reverse("members:fields"))
        return render(request, "members/field.html", {"form": form, "field": field}, status=400)
    return render(request, "members/field.html", {"form": form, "field": field})


def _save_field(request: WorkspaceRequest, form: CustomFieldForm, field: CustomField | None) -> bool:
    """Create (`field` None) or change a custom field from its form; False with the form's errors."""
    if not form.is_valid():
        return False
    try:
        actions.do_save_custom_field(
            request.workspace,
            form.cleaned_data["name"],
            form.cleaned_data["kind"],
            form.cleaned_data["choices"],
            actor=request.user,
            field=field,
        )
    except ActionError as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, _("Field saved."))
    return True


def selectors_field(request: WorkspaceRequest, field_id: int) -> CustomField:
    from django.http import Http404

    found = CustomField.objects.filter(workspace=request.workspace, pk=field_id).first()
    if found is None:
        raise Http404("no such field")
    return found


@require_POST
@workspace_permission("members.settings")
def field_delete(request: WorkspaceRequest, field_id: int) -> HttpResponse:
    field = selectors_field(request, field_id)
    actions.do_delete_custom_field(request.workspace, field, actor=request.user)
    messages.success(request, _("Field deleted, with its values."))
    return redirect(reverse("members:fields"))


@require_POST
@workspace_permission("members.edit")
def set_fields(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    fields = list(CustomField.objects.filter(workspace=request.workspace).order_by("name"))
    form = MemberFieldsForm(request.POST, fields=fields, prefix="cf")
    return _member_form(
        request,
        member_id,
        form,
        lambda member, data: actions.do_set_member_fields(request.workspace, member, form.values(), actor=request.user),
        invalid=_("These values cannot be read: check each field."),
        done=_("Fields saved."),
    )


# --- profile links ------------------------------------------------------------------------------


@require_POST
@workspace_permission("members.settings")
def verify_links(request: WorkspaceRequest) -> HttpResponse:
    counts = actions.do_verify_profile_links(request.workspace, actor=request.user)
    messages.success(
        request,
        _("%(checked)d profile links checked, %(verified)d verified. Recompute to use them as evidence.") % counts,
    )
    return redirect(reverse("members:suggestions"))


# --- segment alerts -----------------------------------------------------------------------------


@workspace_permission("members.settings")
def alerts_page(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        cohort = request.POST.get("cohort", "")
        segment = None
        if request.POST.get("segment"):
            segment = selectors.get_segment(request.workspace, request.POST["segment"])
        try:
            actions.do_set_segment_alert(
                request.workspace,
                cohort="" if segment else cohort,
                segment=segment,
                enabled=request.POST.get("enabled") == "1",
                actor=request.user,
            )
        except ActionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Alert saved."))
        return redirect(reverse("members:alerts"))
    alerts = list(SegmentAlert.objects.filter(workspace=request.workspace))
    on_cohorts = {a.cohort for a in alerts if a.segment_id is None}
    on_segments = {a.segment_id for a in alerts if a.segment_id is not None}
    return render(
        request,
        "members/alerts.html",
        {
            "cohorts": [(code, label, code in on_cohorts) for code, label in COHORT_LABELS.items()],
            "segments": [(s, s.pk in on_segments) for s in selectors.segments(request.workspace)],
        },
    )


# --- introductions ------------------------------------------------------------------------------


@workspace_permission("members.view")
def introduction_list(request: WorkspaceRequest) -> HttpResponse:
    from animateur.members import introductions

    return render(
        request,
        "members/introductions.html",
        {
            "rows": introductions.suggestions(request.workspace, limit=50),
            "can_edit": has_permission(request.user, request.workspace, "members.edit"),
        },
    )


@require_POST
@workspace_permission("members.edit")
def dismiss_introduction(request: WorkspaceRequest, member_id: int, other_id: int) -> HttpResponse:
    member = selectors.get_member(request.workspace, member_id)
    other = selectors.get_member(request.workspace, other_id)
    try:
        actions.do_dismiss_introduction(request.workspace, member, other, actor=request.user)
    except ActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("This introduction will not be proposed again."))
    back = request.POST.get("next", "")
    if back == "member":
        return _to_member(member.pk)
    return redirect(reverse("members:introductions"))

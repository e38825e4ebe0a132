"""Publishing pages: the publications, composing one (draft, approval, schedule, queue, publish now), each
one's outcome per channel with the network's own message and a retry button, its approval (the client's
signed link, the steps), the calendar (month, week, list, drag to reschedule) and the settings (the
approval new publications need, each channel's queue)."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.channels.models import Channel
from animateur.core.actions import ActionError, SystemActor
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.publishing import actions, approval, images, selectors
from animateur.publishing.forms import (
    WEEKDAYS,
    ClientForm,
    CommentForm,
    ComposeForm,
    QueueForm,
    RescheduleForm,
    SettingsForm,
)
from animateur.publishing.limits import BLUESKY_GRAPHEMES, MASTODON_URL_LENGTH, REDDIT_TITLE, limit_of
from animateur.publishing.models import Approval, Publication, PublicationState, QueueSlot

PER_PAGE = 50


def _can(request: WorkspaceRequest, permission: str) -> bool:
    return has_permission(request.user, request.workspace, permission)


def _channel_choices(request: WorkspaceRequest) -> list[tuple[int, str]]:
    choices = []
    for channel in actions.publishable_channels(request.workspace):
        if channel.kind == "site":
            choices.append((channel.pk, _("%(name)s (the blog: the first line is the title)") % {"name": channel.name}))
            continue
        if channel.kind == "reddit":
            choices.append(
                (
                    channel.pk,
                    _("%(name)s (Reddit: the first line is the title, at most 300 characters)")
                    % {"name": channel.name},
                )
            )
            continue
        if channel.kind in ("discourse", "wordpress"):
            choices.append((channel.pk, _("%(name)s (the first line is the title)") % {"name": channel.name}))
            continue
        limit = limit_of(channel)
        if channel.kind == "bluesky":
            words = _("%(name)s (Bluesky, at most %(max)d characters)")
        elif limit.from_server:
            words = _("%(name)s (at most %(max)d characters)")
        else:
            words = _("%(name)s (at most %(max)d characters: its server has not said its own limit yet)")
        choices.append((channel.pk, words % {"name": channel.name, "max": limit.max_characters}))
    return choices


def _counted(request: WorkspaceRequest) -> dict[int, dict[str, int | str]]:
    """What the composer counts as one types, per channel (compose.js): the network's kind, its limit, and
    how long a link counts (Mastodon: 23; elsewhere the tracked link that replaces it, 0: as written)."""
    from animateur.links.actions import short_url
    from animateur.links.models import CODE_LENGTH, TrackedLink

    tracked = actions.tracks_links(request.workspace)
    link = len(short_url(TrackedLink(workspace=request.workspace, code="x" * CODE_LENGTH))) if tracked else 0
    found: dict[int, dict[str, int | str]] = {}
    for channel in actions.publishable_channels(request.workspace):
        if channel.kind == "mastodon":
            found[channel.pk] = {
                "kind": "mastodon",
                "max": limit_of(channel).max_characters,
                "link": MASTODON_URL_LENGTH,
            }
        elif channel.kind == "bluesky":
            found[channel.pk] = {"kind": "bluesky", "max": BLUESKY_GRAPHEMES, "link": link}
        elif channel.kind == "reddit":
            found[channel.pk] = {"kind": "reddit", "max": REDDIT_TITLE, "link": 0}
        else:
            found[channel.pk] = {"kind": channel.kind, "max": 0, "link": 0}
    return found


def _compose(request: WorkspaceRequest, form: ComposeForm, publication: Publication | None) -> Publication | None:
    """Save, then schedule or publish as the button asked; each step is its own action."""
    if not _can(request, "publishing.write"):
        raise PermissionDenied("publishing.write")
    goal = request.POST.get("goal", "draft")
    if goal in ("schedule", "publish", "queue") and not _can(request, "publishing.publish"):
        raise PermissionDenied("publishing.publish")
    data = form.cleaned_data
    if goal == "schedule" and not data.get("scheduled_at"):
        form.add_error("scheduled_at", _("Choose when to publish."))
        return None
    try:
        saved = actions.do_save_publication(
            request.workspace,
            data["text"],
            data["channels"],
            publication=publication,
            approval=data.get("approval") or "",
            thread=bool(data.get("thread")),
            variants=form.variants(),
            pictures=form.pictures(images.MAX_IMAGE_BYTES),
            actor=request.user,
        )
    except ActionError as error:
        form.add_error(None, str(error))
        return None
    try:
        if goal == "approval" or (goal in ("schedule", "publish", "queue") and saved.needs_approval):
            # A publication that needs approval waits for it, at the time chosen if any.
            at = data.get("scheduled_at") if _can(request, "publishing.publish") else None
            actions.do_request_approval(saved, at=at, actor=request.user)
            flash.success(request, _("Sent for approval."))
        elif goal == "queue":
            when = actions.next_queue_time(saved)
            if when is None:
                flash.error(request, _("These channels have no free queue time: choose a time, or set their queue."))
            else:
                actions.do_schedule_publication(saved, when, actor=request.user)
                flash.success(request, _("Added to the queue."))
        elif goal == "schedule":
            actions.do_schedule_publication(saved, data["scheduled_at"], actor=request.user)
            flash.success(request, _("Publication scheduled."))
        elif goal == "publish":
            actions.do_publish_publication(saved, actor=request.user)
            _say_outcome(request, saved)
        else:
            flash.success(request, _("Draft saved."))
    except ActionError as error:
        flash.error(request, str(error))
    return saved


def _best_hour_words(hour: selectors.BestHour) -> str:
    return _("%(day)s at %(hour)02d:00") % {"day": WEEKDAYS[hour.weekday], "hour": hour.hour}


def _say_outcome(request: WorkspaceRequest, publication: Publication) -> None:
    if publication.state == PublicationState.PUBLISHED:
        flash.success(request, _("Published."))
    else:
        flash.error(request, _("Not published everywhere: the network's answer is below, with a retry button."))


@workspace_permission("publishing.view")
def publications(request: WorkspaceRequest) -> HttpResponse:
    choices = _channel_choices(request)
    status = 200
    if request.method == "POST":
        form = ComposeForm(request.POST, request.FILES, channel_choices=choices)
        if form.is_valid() and (saved := _compose(request, form, None)) is not None:
            return redirect("publishing:publication", saved.pk)
        status = 400
    else:
        form = ComposeForm(channel_choices=choices, initial={"approval": actions.default_approval(request.workspace)})
    items = (
        Publication.objects.filter(workspace=request.workspace)
        .prefetch_related("targets__channel")
        .order_by("-created_at")[:PER_PAGE]
    )
    hours, answers = selectors.best_hours(request.workspace)
    return render(
        request,
        "publishing/publications.html",
        {
            "section": "publishing",
            "best_hours": [_best_hour_words(h) for h in hours],
            "best_hours_answers": answers,
            "best_hours_days": selectors.BEST_HOURS_DAYS,
            "form": form,
            "counted": _counted(request),
            "items": items,
            "has_channels": bool(choices),
            "can_write": _can(request, "publishing.write"),
            "can_publish": _can(request, "publishing.publish"),
        },
        status=status,
    )


def _publication_of(request: WorkspaceRequest, publication_id: int) -> Publication:
    return get_object_or_404(Publication, pk=publication_id, workspace=request.workspace)


@workspace_permission("publishing.view")
def publication(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    item = _publication_of(request, publication_id)
    editable = item.state in actions.EDITABLE and _can(request, "publishing.write")
    choices = _channel_choices(request)
    form = None
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("publishing.write")
        form = ComposeForm(request.POST, request.FILES, channel_choices=choices, stored_images=list(item.images.all()))
        if form.is_valid() and _compose(request, form, item) is not None:
            return redirect("publishing:publication", item.pk)
        status = 400
    elif editable:
        form = ComposeForm(
            channel_choices=choices,
            stored_images=list(item.images.all()),
            initial={
                **{f"variant_{t.channel_id}": t.text for t in item.targets.all()},
                "text": item.text,
                "channels": [t.channel_id for t in item.targets.all()],
                "approval": item.approval,
                "thread": item.thread,
                "scheduled_at": item.scheduled_at,
            },
        )
    awaiting = item.state == PublicationState.AWAITING_APPROVAL
    return render(
        request,
        "publishing/publication.html",
        {
            "section": "publishing",
            "item": item,
            "targets": item.targets.select_related("channel", "message").order_by("channel__name"),
            "images": item.images.all(),
            "form": form,
            "counted": _counted(request),
            "can_publish": _can(request, "publishing.publish"),
            "can_retry": item.state != PublicationState.PUBLISHED and actions.can_send(item),
            "steps": item.steps.all(),
            "awaiting": awaiting,
            "can_approve": awaiting and actions.may_approve(request.user, item),
            "client_link": _client_link(request, item) if awaiting and _can(request, "publishing.write") else "",
            "link_days": approval.LINK_DAYS,
            "comment_form": CommentForm() if item.state in actions.EDITABLE else None,
        },
        status=status,
    )


@require_POST
@workspace_permission("publishing.publish")
def publish(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """Publish now, or again where it failed (the same idempotency keys: never twice)."""
    item = _publication_of(request, publication_id)
    try:
        actions.do_publish_publication(item, actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        item.refresh_from_db()
        _say_outcome(request, item)
    return redirect("publishing:publication", item.pk)


def _client_link(request: WorkspaceRequest, item: Publication) -> str:
    """The client's link at the address the team is using (approval.link_for: at the configured one)."""
    return request.build_absolute_uri(reverse("publishing:client_approval", args=(approval.token_for(item),)))


@require_POST
@workspace_permission("publishing.write")
def request_approval(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    item = _publication_of(request, publication_id)
    try:
        actions.do_request_approval(item, actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, _("Sent for approval."))
    return redirect("publishing:publication", item.pk)


@require_POST
@workspace_permission("publishing.approve")
def approve(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    item = _publication_of(request, publication_id)
    try:
        actions.do_approve_publication(item, actor=request.user, note=request.POST.get("text", ""))
    except ActionError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, _("Approved: it will be published at its time."))
    return redirect("publishing:publication", item.pk)


@require_POST
@workspace_permission("publishing.view")
def comment(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    item = _publication_of(request, publication_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("The comment is empty."))
        return redirect("publishing:publication", item.pk)
    try:
        actions.do_comment_publication(item, form.cleaned_data["text"], actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, _("Comment added."))
    return redirect("publishing:publication", item.pk)


def client_approval(request: HttpRequest, token: str) -> HttpResponse:
    """The client's page: the publication as it will go out, approve or comment. The signed link is the
    permission; no account is needed. Shown in the workspace's language."""
    item = approval.publication_of(token)
    if item is None:
        raise Http404(_("This approval link is invalid or has expired."))
    workspace = item.workspace
    with translation.override(workspace.language or "fr"):
        form = ClientForm()
        status = 200
        done = ""
        if request.method == "POST":
            form = ClientForm(request.POST)
            decision = request.POST.get("decision", "")
            if item.state != PublicationState.AWAITING_APPROVAL:
                form.add_error(None, _("This publication is not awaiting approval any more."))
                status = 400
            elif form.is_valid() and decision in ("approve", "comment"):
                name = form.cleaned_data["name"]
                text = form.cleaned_data["text"]
                try:
                    if decision == "approve":
                        actions.do_approve_publication(item, actor=SystemActor("client"), client_name=name, note=text)
                        done = _("Thank you: the publication is approved and will be published at its time.")
                    else:
                        actions.do_comment_publication(item, text, actor=SystemActor("client"), client_name=name)
                        done = _("Thank you: your comment was sent to the team.")
                    form = ClientForm(initial={"name": name})
                except ActionError as error:
                    form.add_error(None, str(error))
                    status = 400
            else:
                form.add_error(None, _("Write a comment, or approve."))
                status = 400
            item.refresh_from_db()
        response = render(
            request,
            "publishing/client_approval.html",
            {
                "workspace": workspace,
                "item": item,
                "targets": item.targets.select_related("channel").order_by("channel__name"),
                "steps": item.steps.all(),
                "form": form,
                "done": done,
                "awaiting": item.state == PublicationState.AWAITING_APPROVAL,
            },
            status=status,
        )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"  # the link is the permission: never sent to another site
    return response


def _anchor(request: WorkspaceRequest) -> date:
    raw = request.GET.get("date", "")
    try:
        return (
            date.fromisoformat(raw) if raw else timezone.localdate(timezone=selectors.workspace_tz(request.workspace))
        )
    except ValueError:
        return timezone.localdate(timezone=selectors.workspace_tz(request.workspace))


@workspace_permission("publishing.view")
def calendar(request: WorkspaceRequest) -> HttpResponse:
    view = request.GET.get("view", "month")
    if view not in selectors.VIEWS:
        view = "month"
    anchor = _anchor(request)
    can_move = _can(request, "publishing.publish")
    days, previous, following = selectors.calendar(request.workspace, view, anchor, can_move=can_move)
    return render(
        request,
        "publishing/calendar.html",
        {
            "section": "publishing",
            "view": view,
            "anchor": anchor,
            "days": days,
            "weeks": [days[i : i + 7] for i in range(0, len(days), 7)] if view != "list" else [],
            "previous": previous,
            "following": following,
            "today": timezone.localdate(timezone=selectors.workspace_tz(request.workspace)),
            "unscheduled": selectors.unscheduled(request.workspace),
            "can_move": can_move,
        },
    )


@require_POST
@workspace_permission("publishing.publish")
def reschedule(request: WorkspaceRequest, publication_id: int) -> HttpResponse:
    """The calendar's drag: to another day at the same time of day. Answers JSON to the script, a redirect
    to a form."""
    item = _publication_of(request, publication_id)
    form = RescheduleForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    error = ""
    if not form.is_valid():
        error = _("Choose a day.")
    else:
        tz = selectors.workspace_tz(request.workspace)
        keep = timezone.localtime(item.scheduled_at, tz).time() if item.scheduled_at else datetime.min.time()
        if not item.scheduled_at:
            keep = keep.replace(hour=9)
        when = datetime.combine(form.cleaned_data["day"], keep, tzinfo=tz)
        try:
            actions.do_schedule_publication(item, when, actor=request.user)
        except ActionError as exc:
            error = str(exc)
    if wants_json:
        if error:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse({"ok": True, "scheduled_at": item.scheduled_at.isoformat() if item.scheduled_at else ""})
    if error:
        flash.error(request, error)
    else:
        flash.success(request, _("Publication moved."))
    return redirect("publishing:calendar")


@workspace_permission("publishing.publish")
def settings(request: WorkspaceRequest) -> HttpResponse:
    """The approval new publications need (owners) and each channel's queue of regular times."""
    workspace = request.workspace
    can_settings = _can(request, "workspace.settings")
    channels = list(actions.publishable_channels(workspace))
    status = 200
    settings_form = SettingsForm(
        initial={
            "approval": actions.default_approval(workspace),
            "track_links": actions.tracks_links(workspace),
            "alt_required": images.alt_required(workspace),
        }
    )
    queue_forms: dict[int, QueueForm] = {}
    if request.method == "POST":
        what = request.POST.get("what", "")
        if what == "approval":
            if not can_settings:
                raise PermissionDenied("workspace.settings")
            settings_form = SettingsForm(request.POST)
            if settings_form.is_valid():
                try:
                    actions.do_set_publishing_settings(
                        workspace,
                        settings_form.cleaned_data["approval"] or Approval.NONE,
                        track_links=bool(settings_form.cleaned_data.get("track_links")),
                        alt_required=bool(settings_form.cleaned_data.get("alt_required")),
                        actor=request.user,
                    )
                except ActionError as error:
                    settings_form.add_error(None, str(error))
                else:
                    flash.success(request, _("Settings saved."))
                    return redirect("publishing:settings")
            status = 400
        elif what == "queue":
            channel = next((c for c in channels if str(c.pk) == request.POST.get("channel", "")), None)
            if channel is None:
                flash.error(request, _("One of the chosen channels is not a channel this workspace can publish to."))
                return redirect("publishing:settings")
            form = QueueForm(request.POST, prefix=f"c{channel.pk}")
            slots = form.slots() if form.is_valid() else []
            if form.is_valid():
                try:
                    actions.do_set_queue_slots(channel, slots, actor=request.user)
                except ActionError as error:
                    form.add_error(None, str(error))
                else:
                    flash.success(request, _("Queue saved."))
                    return redirect("publishing:settings")
            queue_forms[channel.pk] = form
            status = 400
        else:
            status = 400
            flash.error(request, _("Nothing to save."))
    slots_of: dict[int, dict[int, list[str]]] = {}
    for slot in QueueSlot.objects.filter(channel__in=channels):
        slots_of.setdefault(slot.channel_id, {}).setdefault(slot.weekday, []).append(f"{slot.time:%H:%M}")
    rows: list[tuple[Channel, QueueForm]] = []
    for channel in channels:
        form = queue_forms.get(channel.pk) or QueueForm(
            prefix=f"c{channel.pk}",
            initial={f"day{d}": ", ".join(times) for d, times in slots_of.get(channel.pk, {}).items()},
        )
        rows.append((channel, form))
    return render(
        request,
        "publishing/settings.html",
        {
            "section": "publishing",
            "settings_form": settings_form,
            "can_settings": can_settings,
            "rows": rows,
        },
        status=status,
    )

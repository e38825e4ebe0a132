"""Publishing pages: the publications, composing one (draft, schedule, publish now), and each one's outcome
per channel with the network's own message and a retry button."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.publishing import actions
from animateur.publishing.forms import ComposeForm
from animateur.publishing.limits import limit_of
from animateur.publishing.models import Publication, PublicationState

PER_PAGE = 50


def _can(request: WorkspaceRequest, permission: str) -> bool:
    return has_permission(request.user, request.workspace, permission)


def _channel_choices(request: WorkspaceRequest) -> list[tuple[int, str]]:
    choices = []
    for channel in actions.publishable_channels(request.workspace):
        limit = limit_of(channel)
        if limit.from_server:
            words = _("%(name)s (at most %(max)d characters)")
        else:
            words = _("%(name)s (at most %(max)d characters: its server has not said its own limit yet)")
        choices.append((channel.pk, words % {"name": channel.name, "max": limit.max_characters}))
    return choices


def _compose(request: WorkspaceRequest, form: ComposeForm, publication: Publication | None) -> Publication | None:
    """Save, then schedule or publish as the button asked; each step is its own action."""
    if not _can(request, "publishing.write"):
        raise PermissionDenied("publishing.write")
    goal = request.POST.get("goal", "draft")
    if goal in ("schedule", "publish") and not _can(request, "publishing.publish"):
        raise PermissionDenied("publishing.publish")
    data = form.cleaned_data
    if goal == "schedule" and not data.get("scheduled_at"):
        form.add_error("scheduled_at", _("Choose when to publish."))
        return None
    try:
        saved = actions.do_save_publication(
            request.workspace, data["text"], data["channels"], publication=publication, actor=request.user
        )
    except ActionError as error:
        form.add_error(None, str(error))
        return None
    try:
        if goal == "schedule":
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
        form = ComposeForm(request.POST, channel_choices=choices)
        if form.is_valid() and (saved := _compose(request, form, None)) is not None:
            return redirect("publishing:publication", saved.pk)
        status = 400
    else:
        form = ComposeForm(channel_choices=choices)
    items = (
        Publication.objects.filter(workspace=request.workspace)
        .prefetch_related("targets__channel")
        .order_by("-created_at")[:PER_PAGE]
    )
    return render(
        request,
        "publishing/publications.html",
        {
            "section": "publishing",
            "form": form,
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
        form = ComposeForm(request.POST, channel_choices=choices)
        if form.is_valid() and _compose(request, form, item) is not None:
            return redirect("publishing:publication", item.pk)
        status = 400
    elif editable:
        form = ComposeForm(
            channel_choices=choices,
            initial={
                "text": item.text,
                "channels": [t.channel_id for t in item.targets.all()],
                "scheduled_at": item.scheduled_at,
            },
        )
    return render(
        request,
        "publishing/publication.html",
        {
            "section": "publishing",
            "item": item,
            "targets": item.targets.select_related("channel").order_by("channel__name"),
            "form": form,
            "can_publish": _can(request, "publishing.publish"),
            "can_retry": item.state != PublicationState.PUBLISHED and actions.can_send(item),
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

"""Pages of live coverage (the list and the start form, the live page with its running thread and the event's
hashtag stream beside it, refreshed every few seconds) and the composer's link preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.listening.models import SavedSearch
from animateur.publishing import live, previews
from animateur.publishing.limits import limit_of
from animateur.publishing.models import LiveCoverage, LiveUpdate

# The live page asks for what is new this often (as the inbox's conversation does).
REFRESH_SECONDS = 5
MAX_PREVIEW_TEXT = 20_000
KIND_NAMES = {"mastodon": "Mastodon", "bluesky": "Bluesky"}
NOT_EVERYWHERE = gettext_lazy("Not posted everywhere: the network's answer is in the thread, with a retry button.")


class StartForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=live.MAX_TITLE)
    hashtag = forms.CharField(
        label=gettext_lazy("The event's hashtag"),
        max_length=live.MAX_HASHTAG,
        required=False,
        help_text=gettext_lazy("As « #rsCCI »: the messages of the stream with it are shown beside the thread."),
    )
    search = forms.TypedChoiceField(
        label=gettext_lazy("Or a saved search"), required=False, coerce=int, empty_value=None
    )
    channels = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Networks"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        searches = SavedSearch.objects.filter(workspace=workspace).order_by("name")
        search_field = self.fields["search"]
        assert isinstance(search_field, forms.TypedChoiceField)
        search_field.choices = [("", "—"), *((s.pk, s.name) for s in searches)]
        choices = []
        for channel in live.live_channels(workspace):
            limit = limit_of(channel)
            words = _("%(name)s (%(kind)s, at most %(max)d characters)")
            choices.append(
                (
                    channel.pk,
                    words % {"name": channel.name, "kind": KIND_NAMES[channel.kind], "max": limit.max_characters},
                )
            )
        channels_field = self.fields["channels"]
        assert isinstance(channels_field, forms.TypedMultipleChoiceField)
        channels_field.choices = choices


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("live coverage", "Update"),
        max_length=live.MAX_UPDATE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _can_publish(request: WorkspaceRequest) -> bool:
    return has_permission(request.user, request.workspace, "publishing.publish")


@workspace_permission("publishing.view")
def coverages(request: WorkspaceRequest) -> HttpResponse:
    can_publish = _can_publish(request)
    form = StartForm(workspace=request.workspace) if can_publish else None
    status = 200
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied("publishing.publish")
        form = StartForm(request.POST, workspace=request.workspace)
        if form.is_valid():
            data = form.cleaned_data
            search = None
            if data.get("search"):
                search = SavedSearch.objects.filter(workspace=request.workspace, pk=data["search"]).first()
            try:
                coverage = live.do_start_live_coverage(
                    request.workspace,
                    data["title"],
                    data["channels"],
                    hashtag=data.get("hashtag") or "",
                    search=search,
                    actor=request.user,
                )
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                return redirect("publishing:live", coverage.pk)
        status = 400
    items = LiveCoverage.objects.filter(workspace=request.workspace).prefetch_related("channels")[:100]
    return render(
        request,
        "publishing/live_list.html",
        {
            "section": "publishing",
            "items": items,
            "form": form,
            "has_channels": live.live_channels(request.workspace).exists(),
        },
        status=status,
    )


def _coverage_of(request: WorkspaceRequest, coverage_id: int) -> LiveCoverage:
    return get_object_or_404(LiveCoverage, pk=coverage_id, workspace=request.workspace)


def _thread(coverage: LiveCoverage) -> list[LiveUpdate]:
    return list(coverage.updates.prefetch_related("posts__channel").order_by("-created_at", "-pk"))


@workspace_permission("publishing.view")
def coverage_page(request: WorkspaceRequest, coverage_id: int) -> HttpResponse:
    coverage = _coverage_of(request, coverage_id)
    return render(
        request,
        "publishing/live.html",
        {
            "section": "publishing",
            "coverage": coverage,
            "channels": list(coverage.channels.order_by("name")),
            "updates": _thread(coverage),
            "stream": live.hashtag_stream(coverage),
            "form": UpdateForm() if _can_publish(request) and coverage.live else None,
            "can_publish": _can_publish(request),
            "refresh": REFRESH_SECONDS,
        },
    )


@require_GET
@workspace_permission("publishing.view")
def coverage_stream(request: WorkspaceRequest, coverage_id: int) -> HttpResponse:
    """The hashtag stream beside the thread, newest first: the fragment the page asks for every few seconds."""
    coverage = _coverage_of(request, coverage_id)
    return render(
        request, "publishing/_live_stream.html", {"coverage": coverage, "stream": live.hashtag_stream(coverage)}
    )


@require_GET
@workspace_permission("publishing.view")
def coverage_thread(request: WorkspaceRequest, coverage_id: int) -> HttpResponse:
    """The running thread (a colleague's updates and their outcome), refreshed as the stream is."""
    coverage = _coverage_of(request, coverage_id)
    context = {"coverage": coverage, "updates": _thread(coverage), "can_publish": _can_publish(request)}
    return render(request, "publishing/_live_thread.html", context)


@require_POST
@workspace_permission("publishing.publish")
def post_update(request: WorkspaceRequest, coverage_id: int) -> HttpResponse:
    coverage = _coverage_of(request, coverage_id)
    form = UpdateForm(request.POST)
    if not form.is_valid():
        flash.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("publishing:live", coverage.pk)
    try:
        update = live.do_post_live_update(coverage, form.cleaned_data["text"], actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        _say_outcome(request, update)
    return redirect("publishing:live", coverage.pk)


def _say_outcome(request: WorkspaceRequest, update: LiveUpdate) -> None:
    if update.state == "published":
        flash.success(request, _("Update posted."))
    else:
        flash.error(request, NOT_EVERYWHERE)


@require_POST
@workspace_permission("publishing.publish")
def retry_update(request: WorkspaceRequest, update_id: int) -> HttpResponse:
    update = get_object_or_404(LiveUpdate, pk=update_id, coverage__workspace=request.workspace)
    try:
        update = live.do_retry_live_update(update, actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        _say_outcome(request, update)
    return redirect("publishing:live", update.coverage_id)


@require_POST
@workspace_permission("publishing.publish")
def end_coverage(request: WorkspaceRequest, coverage_id: int) -> HttpResponse:
    coverage = _coverage_of(request, coverage_id)
    try:
        live.do_end_live_coverage(coverage, actor=request.user)
    except ActionError as error:
        flash.error(request, str(error))
    else:
        flash.success(request, _("Live coverage ended."))
    return redirect("publishing:live", coverage.pk)


@require_POST
@workspace_permission("publishing.write")
def link_preview(request: WorkspaceRequest) -> HttpResponse:
    """The card of the composer's first link, or a quiet note when its page gives none."""
    text = str(request.POST.get("text") or "")[:MAX_PREVIEW_TEXT]
    found = previews.card_for_text(request.workspace, text)
    link, card = found if found is not None else (None, None)
    return render(request, "publishing/_link_card.html", {"link": link, "card": card})

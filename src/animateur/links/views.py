"""Tracked links' pages: the list with each link's clicks, the form that creates one, deleting one;
and the public redirect /l/<code>, which counts a click unless a link-preview fetcher or a robot asked."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from animateur.channels.models import Channel
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.links import actions, clicks
from animateur.links.forms import LinkForm
from animateur.links.models import TrackedLink

PER_PAGE = 200


def _channels(request: WorkspaceRequest) -> list[Channel]:
    return list(Channel.objects.filter(workspace=request.workspace).order_by("name"))


@workspace_permission("links.view")
def links(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_manage = has_permission(request.user, workspace, "links.manage")
    channels = _channels(request)
    form = LinkForm(channels=[(c.pk, c.name) for c in channels])
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("links.manage")
        form = LinkForm(request.POST, channels=[(c.pk, c.name) for c in channels])
        if form.is_valid():
            data = form.cleaned_data
            channel = next((c for c in channels if c.pk == data["channel"]), None)
            try:
                link = actions.do_create_tracked_link(
                    workspace, data["url"], channel=channel, campaign=data["campaign"], actor=request.user
                )
            except ActionError as error:
                form.add_error("url", str(error))
            else:
                flash.success(request, _("Tracked link created: %(url)s") % {"url": actions.short_url(link)})
                return redirect("links:list")
        status = 400
    rows = [
        (link, actions.short_url(link))
        for link in TrackedLink.objects.filter(workspace=workspace)
        .select_related("channel", "workspace")
        .order_by("-created_at", "-pk")[:PER_PAGE]
    ]
    return render(request, "links/links.html", {"form": form, "rows": rows, "can_manage": can_manage}, status=status)


@require_POST
@workspace_permission("links.manage")
def delete(request: WorkspaceRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(TrackedLink, pk=link_id, workspace=request.workspace)
    actions.do_delete_tracked_link(link, actor=request.user)
    flash.success(request, _("Tracked link deleted."))
    return redirect("links:list")


@require_GET
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """302 to the target, never cached (each visit must reach us to be counted); HEAD is not a click."""
    workspace = getattr(request, "workspace", None)
    link = TrackedLink.objects.filter(code=code, workspace=workspace).first() if workspace else None
    if link is None:
        raise Http404(code)
    if request.method == "GET" and not clicks.is_preview_fetcher(request.META.get("HTTP_USER_AGENT", "")):
        clicks.count_click(link)
    response = HttpResponseRedirect(link.target)
    add_never_cache_headers(response)
    # The target learns the visitor came from this workspace's domain, not which link they followed.
    response["Referrer-Policy"] = "strict-origin"
    return response

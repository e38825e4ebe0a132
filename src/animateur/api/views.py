"""The API tokens page: owners and managers create a token for a teammate (shown once) and revoke tokens."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.api.actions import do_create_api_token, do_revoke_api_token
from animateur.api.models import ApiToken
from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.ids import parse_id
from animateur.core.models import Membership
from animateur.core.typing import WorkspaceRequest


def _context(request: WorkspaceRequest, **extra: object) -> dict[str, object]:
    workspace = request.workspace
    return {
        "tokens": ApiToken.objects.filter(workspace=workspace).select_related("user").order_by("-created_at"),
        "members": Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__email"),
        **extra,
    }


@workspace_permission("api.token.manage")
def tokens(request: WorkspaceRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "api/tokens.html", _context(request))
    workspace = request.workspace
    user_id = parse_id(request.POST.get("user"))
    membership = (
        Membership.objects.filter(workspace=workspace, user_id=user_id).select_related("user").first()
        if user_id is not None
        else None
    )
    name = (request.POST.get("name") or "").strip()
    if membership is None:
        error = _("Choose a member of this workspace.")
    elif not name:
        error = _("Give the token a name, such as the tool that will use it.")
    else:
        try:
            token, key = do_create_api_token(workspace, membership.user, name, actor=request.user)
        except ActionError as exc:
            error = str(exc)
        else:
            # The key is shown in this response only: it is stored hashed and never again readable.
            return render(request, "api/tokens.html", _context(request, created=token, key=key))
    return render(request, "api/tokens.html", _context(request, error=error, name=name), status=400)


@workspace_permission("api.token.manage")
@require_POST
def revoke(request: WorkspaceRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("workspace"), pk=token_id, workspace=request.workspace)
    try:
        do_revoke_api_token(token, actor=request.user)
        messages.success(request, _("Token « %(name)s » revoked.") % {"name": token.name})
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("api_tokens:list")

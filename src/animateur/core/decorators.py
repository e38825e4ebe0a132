"""The check every team view makes: a workspace, a logged-in user, and the matrix's permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeAlias, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest

P = ParamSpec("P")
# A team view as written, and as Django's URLs call it: the decorator turns one into the other.
WorkspaceView: TypeAlias = Callable[Concatenate[WorkspaceRequest, P], HttpResponse]
RequestView: TypeAlias = Callable[Concatenate[HttpRequest, P], HttpResponse]


def second_factor_missing(user: Any, workspace: Any) -> bool:
    """Whether a workspace of the user requires two-factor authentication that the user has not set up."""
    from animateur.core import two_factor

    cached = user.__dict__.get("_second_factor_missing")
    if cached is None:
        required = bool((workspace.settings or {}).get("require_totp")) or two_factor.totp_required_for(user)
        cached = required and not two_factor.has_totp(user)
        user.__dict__["_second_factor_missing"] = cached
    return bool(cached)


def workspace_permission(permission: str) -> Callable[[WorkspaceView[P]], RequestView[P]]:
    """Let through members with the permission; the view then receives a WorkspaceRequest."""

    def decorator(view: WorkspaceView[P]) -> RequestView[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            workspace = getattr(request, "workspace", None)
            if workspace is None:
                raise Http404("no such workspace")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = request.user.role_in(workspace)
            if role is None:
                # Not a member: the workspace's team pages do not exist for this user.
                raise Http404("no such workspace")
            if second_factor_missing(request.user, workspace):
                # Required two-factor is enforced on every team request, not only at login: a
                # session opened before the workspace required it must not go on without it.
                setup = reverse("core:totp_setup")
                return redirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
            if not has_permission(request.user, workspace, permission):
                raise PermissionDenied(permission)
            # Every check above holds: the request now has what WorkspaceRequest promises.
            return view(cast(WorkspaceRequest, request), *args, **kwargs)

        # Read by the tests that walk every URL; a function's own attributes cannot be declared to mypy.
        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator

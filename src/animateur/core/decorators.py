"""The check every team view makes: a workspace, a logged-in user, and the matrix's permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from animateur.core.permissions import has_permission


def workspace_permission(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            workspace = getattr(request, "workspace", None)
            if workspace is None:
                raise Http404("no such workspace")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = request.user.role_in(workspace)
            if role is None:
                # Not a member: the workspace's team pages do not exist for this user.
                raise Http404("no such workspace")
            if not has_permission(request.user, workspace, permission):
                raise PermissionDenied(permission)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator

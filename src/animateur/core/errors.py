"""The 403, 404 and 500 pages, in the product's look and the visitor's language.

The language is already chosen by WorkspaceLanguageMiddleware (these views run inside it): the
team app's pages (under /app/) speak the app's language, the public site the workspace's. The
team app's errors look like the team app, the site's like the site.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse

from animateur.core.permissions import PERMISSION_LABELS

logger = logging.getLogger(__name__)
TEAM_PREFIX = "/app/"


def _is_team_page(request: HttpRequest) -> bool:
    return request.path_info.startswith(TEAM_PREFIX) or request.path_info == TEAM_PREFIX.rstrip("/")


def _team_member(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    workspace = getattr(request, "workspace", None)
    return bool(user is not None and user.is_authenticated and workspace is not None and user.role_in(workspace))


def _page(request: HttpRequest, status: int, extra: dict[str, object] | None = None) -> HttpResponse:
    if _is_team_page(request):
        # Members see their menu around the error; anyone else the login's plain card.
        layout = "core/errors/team_shell.html" if _team_member(request) else "core/errors/team_card.html"
    else:
        layout = "core/errors/site.html"
    context = {"layout": layout, "status": status, **(extra or {})}
    return render(request, f"core/errors/{status}.html", context, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A view refuses with the matrix's permission as the reason: name it in words, never as a code.
    needed = PERMISSION_LABELS.get(str(exception)) if exception is not None else None
    return _page(request, 403, {"needed": needed})


def server_error(request: HttpRequest) -> HttpResponse:
    """Touches neither the database nor the session: they may be what failed."""
    try:
        team = _is_team_page(request)
        workspace = getattr(request, "workspace", None)  # already read by the middleware, or None
        context = {
            "layout": "core/errors/team_bare.html" if team else "core/errors/site_bare.html",
            "status": 500,
            "site_name": workspace.name if workspace is not None else "",
            "retry_url": request.get_full_path(),
            "home_url": reverse("core:dashboard" if team else "space:home"),
        }
        html = loader.get_template("core/errors/500.html").render(context)
        return HttpResponseServerError(html)
    except Exception:  # the error page itself must never fail
        logger.exception("the 500 page could not be rendered")
        return HttpResponseServerError("<h1>Server error (500)</h1>", content_type="text/html")

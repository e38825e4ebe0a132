"""What animateur's middleware and decorators add to Django's request, for type checkers.

These classes are never instantiated: every request is Django's own HttpRequest. They name
what is known about it at a given point, so views read `request.workspace` and
`request.user` with their real types instead of silencing the checker line by line.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from animateur.core.models import User, Workspace


class SiteRequest(HttpRequest):
    """Any request once WorkspaceMiddleware has run: the workspace its host or path names, if any."""

    workspace: Workspace | None
    user: User | AnonymousUser
    LANGUAGE_CODE: str


class AuthenticatedRequest(HttpRequest):
    """A request let through by @login_required: a logged-in user, in any workspace or none."""

    user: User
    LANGUAGE_CODE: str


class WorkspaceRequest(HttpRequest):
    """A request let through by @workspace_permission: a workspace, and a logged-in member of it."""

    workspace: Workspace
    user: User
    LANGUAGE_CODE: str

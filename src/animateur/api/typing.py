"""What the API's token authentication adds to Django's request, for type checkers.

Like core.typing, never instantiated: django-ninja sets `request.auth` to what TokenAuth
returned, and TokenAuth also binds `request.workspace` to the token's workspace.
"""

from __future__ import annotations

from django.http import HttpRequest

from animateur.api.models import ApiToken
from animateur.core.models import Workspace


class TokenRequest(HttpRequest):
    """A request let through by TokenAuth: an unrevoked token of an active user, and its workspace."""

    auth: ApiToken
    workspace: Workspace

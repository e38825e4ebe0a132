"""Absolute addresses of the team's pages, for emails and webhooks sent outside any request.

A workspace other than the default one is reached under /w/<slug>/ (core.middleware), so a link
without that prefix would open the default workspace's page, or a 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, reverse

from animateur.core.models import Workspace


def absolute_url(workspace: Workspace, viewname: str, args: tuple[Any, ...] = ()) -> str:
    path = reverse(viewname, args=args)
    # Inside a request under /w/<slug>/ reverse() already carries that request's prefix: drop it,
    # the link must name the workspace it is about, not the one being browsed.
    current = get_script_prefix()
    if path.startswith(current):
        path = "/" + path[len(current) :]
    prefix = "" if workspace.is_default else f"/w/{workspace.slug}"
    return settings.BASE_URL.rstrip("/") + prefix + path

"""Which workspace a request is for, and in which language to answer.

A workspace's site is addressed by its own host name (Workspace.domain) at the root,
or at /w/<slug>/ on any host; the default workspace also answers at / on hosts that
name no workspace. Under /w/<slug>/ the script prefix is set, so every `reverse()`
of the request yields that workspace's URLs without views knowing about it.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation

from animateur.core.models import Workspace
from animateur.core.typing import SiteRequest

PATH_PREFIX = re.compile(r"^/w/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)?$")


def resolve_workspace(request: HttpRequest) -> tuple[Workspace | None, str | None]:
    """The workspace and, when addressed by path, its slug prefix; one query either way."""
    match = PATH_PREFIX.match(request.path_info)
    if match:
        workspace = Workspace.objects.filter(slug=match["slug"]).first()
        return workspace, (match["slug"] if workspace else None)
    host = request.get_host().split(":")[0].lower() if request.META.get("HTTP_HOST") else ""
    wanted = Q(is_default=True) | Q(domain=host) if host else Q(is_default=True)
    candidates = list(Workspace.objects.filter(wanted)[:2])
    by_host = [w for w in candidates if host and w.domain == host]
    found = by_host or candidates
    return (found[0] if found else None), None


# How long a process trusts the content version it last read for a host and path prefix: cached
# public pages are then served without any query. A change made in this process forgets them at
# once (Workspace.bump_content_version); other processes see it within this delay.
VERSION_TRUST_SECONDS = 1.0
# (trusted until, the workspace's row as read then, its slug prefix when addressed by path)
_known_versions: dict[tuple[str, str], tuple[float, Workspace, str | None]] = {}
# The workspace the page cache's middleware read for an anonymous page, for WorkspaceMiddleware.
RESOLVED_ATTR = "_animateur_resolved_workspace"


def forget_content_versions() -> None:
    _known_versions.clear()


def trusted_content_version(host: str, path_info: str) -> tuple[int, int] | None:
    """(workspace id, content version) if this process still trusts what it last read, without a query."""
    match = PATH_PREFIX.match(path_info)
    known = _known_versions.get((host.lower(), match["slug"] if match else ""))
    if known is None or known[0] <= time.monotonic():
        return None
    return known[1].pk, known[1].content_version


def content_version_of(request: HttpRequest) -> tuple[int, int] | None:
    """(workspace id, content version) for the request, read at most once a second per site.

    The workspace's row read with it is left on the request (a copy: a request may change its
    own), so that an anonymous page, which is keyed on that version, is rendered for the same
    row without a query of its own (WorkspaceMiddleware): within the trusted second, a page
    missing the cache costs no query for its workspace.
    """
    match = PATH_PREFIX.match(request.path_info)
    key = (request.META.get("HTTP_HOST", "").lower(), match["slug"] if match else "")
    now = time.monotonic()
    known = _known_versions.get(key)
    if known is None or known[0] <= now:
        workspace, slug = resolve_workspace(request)
        if workspace is None:
            return None
        known = _known_versions[key] = (now + VERSION_TRUST_SECONDS, workspace, slug)
    setattr(request, RESOLVED_ATTR, (copy.copy(known[1]), known[2]))
    return known[1].pk, known[1].content_version


class WorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: SiteRequest) -> HttpResponse:
        resolved: tuple[Workspace, str | None] | None = getattr(request, RESOLVED_ATTR, None)
        workspace, slug = resolved or resolve_workspace(request)
        request.workspace = workspace
        previous_prefix = get_script_prefix()
        if slug:
            match = PATH_PREFIX.match(request.path_info)
            assert match is not None
            if not match["rest"]:
                from django.http import HttpResponsePermanentRedirect

                return HttpResponsePermanentRedirect(request.path + "/")
            request.path_info = match["rest"]
            set_script_prefix(previous_prefix.rstrip("/") + f"/w/{slug}/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(previous_prefix)


class WorkspaceLanguageMiddleware:
    """Public pages speak the workspace's language; team pages the user's own, if chosen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: SiteRequest) -> HttpResponse:
        workspace = getattr(request, "workspace", None)
        language = workspace.language if workspace else None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language and request.path_info.startswith("/app/"):
            language = user.language
        language = language or "fr"
        # The thread goes back to its previous language afterwards: a member who chose another
        # language must not leave it to whatever this thread runs next.
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

"""Whole-page caching of the public site for anonymous visitors.

A cached page is keyed by the workspace's content version, which every change that
public pages show bumps in the database: every process stops serving the old page within
a second (core.middleware.VERSION_TRUST_SECONDS), the one that made the change at once,
without a shared cache. Views opt in with `@public_page`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

from animateur.core.middleware import content_version_of
from animateur.space.comment_cookie import HELD_COOKIE

TEAM_PATHS = re.compile(r"^(?:/w/[-a-zA-Z0-9_]+)?/(?:app|api|static)/")

CACHEABLE_ATTR = "_animateur_public_page"


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, CACHEABLE_ATTR, True)
        return response

    return wrapper


def _is_anonymous(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and HELD_COOKIE not in request.COOKIES


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.cache = caches["default"]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Runs before the workspace is resolved, so that a hit costs no query at all.
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or not _is_anonymous(request)
            or TEAM_PATHS.match(request.path_info)
        ):
            return self.get_response(request)
        version = content_version_of(request)
        if version is None:
            return self.get_response(request)
        workspace_id, content_version = version
        key = f"page:{workspace_id}:{content_version}:{request.get_host()}:{request.get_full_path()}"
        cached = self.cache.get(key)
        if cached is not None:
            return _rebuild(cached)
        response = self.get_response(request)
        if (
            getattr(response, CACHEABLE_ATTR, False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            self.cache.set(key, _freeze(response), settings.PAGE_CACHE_SECONDS)
        return response


# Pages are cached as plain bytes and headers: unpickling a whole HttpResponse on every hit
# costs more than the rest of a cached request.
def _freeze(response: HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.headers.items()), response.content


def _rebuild(frozen: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponse:
    status, headers, content = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response

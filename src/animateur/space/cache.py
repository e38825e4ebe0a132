"""Whole-page caching of the public site for anonymous visitors.

A cached page is keyed by the workspace's content version, which every change that
public pages show bumps in the database: every process stops serving the old page within
a second (core.middleware.VERSION_TRUST_SECONDS), the one that made the change at once,
without a shared cache. Views opt in with `@public_page`.

Only the query-string parameters the public views read (`QUERY_PARAMETERS`) are part of a
page's address, in a fixed order: `/?utm_source=x` is the home page, served from the cache,
and a scan of random query strings adds nothing. Pages live in this process's memory within
`settings.PAGE_CACHE_BYTES` (space.page_store). Under the production server, the front
(space.front) answers from the cache before Django is entered, and this middleware only says
which pages it may keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from animateur.core.middleware import content_version_of
from animateur.space.comment_cookie import HELD_COOKIE
from animateur.space.front import FOUND_MARK, FRONT_ADDRESS, STORE_MARK, key_for
from animateur.space.page_store import Frozen, Key, pages

TEAM_PATHS = re.compile(r"^(?:/w/[-a-zA-Z0-9_]+)?/(?:app|api|static)/")

CACHEABLE_ATTR = "_animateur_public_page"

# Every query-string parameter a public view reads, with how it reads it: a view that reads
# another one must add it here, or its variants would be served one for the other.
QUERY_PARAMETERS: dict[str, Callable[[str], str]] = {
    "page": str.strip,  # the paginator reads " 2" as 2
    "q": lambda value: value.strip()[:200],  # views.search
    "replytocom": str.strip,  # views._render_post
}


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
        front = request.META.get(FRONT_ADDRESS)
        if front is not None:
            # The front (space.front) answers from the cache and keeps the pages: here is only
            # decided whether this one may be kept, or said that it is kept already (the front came
            # here only to have the content version read again).
            front_key = key_for(workspace_id, front)
            found = pages.get(front_key, content_version)
            if found is not None:
                request.META[FOUND_MARK] = found
                return _rebuild(found)
            response = self.get_response(request)
            if _cacheable(response):
                request.META[STORE_MARK] = (front_key, content_version)
            return response
        key: Key = (workspace_id, request.get_host(), page_address(request))
        cached = pages.get(key, content_version)
        if cached is not None:
            return _rebuild(cached)
        response = self.get_response(request)
        if _cacheable(response):
            pages.put(
                key,
                content_version,
                _freeze(response),
                seconds=settings.PAGE_CACHE_SECONDS,
                budget=settings.PAGE_CACHE_BYTES,
            )
        return response


def _cacheable(response: HttpResponse) -> bool:
    return (
        getattr(response, CACHEABLE_ATTR, False)
        and response.status_code == 200
        and not response.cookies
        and not response.streaming
    )


def page_address(request: HttpRequest) -> str:
    """The path and the parameters the views read, sorted, normalised as they read them; empty ones dropped."""
    wanted = []
    for name, normalise in sorted(QUERY_PARAMETERS.items()):
        value = request.GET.get(name)  # the last one, as the views read it
        if value is not None:
            value = normalise(value)
            if value:
                wanted.append((name, value))
    return f"{request.path}?{urlencode(wanted)}" if wanted else request.path


# Pages are cached as plain bytes and headers: unpickling a whole HttpResponse on every hit
# costs more than the rest of a cached request.
def _freeze(response: HttpResponse) -> Frozen:
    return response.status_code, list(response.headers.items()), response.content


def _rebuild(frozen: Frozen) -> HttpResponse:
    status, headers, content = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value
    return response

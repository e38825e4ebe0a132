"""Cached public pages answered before Django is entered: the WSGI application's front.

A page that the cache holds for an anonymous visitor costs, through Django's handler and its
fifteen middleware, about a hundred microseconds of Python; here it costs a dictionary look-up
and the server's own writing of bytes, which is what lets one worker answer at a rate near a
static file's (bench/space.py). Everything else goes to Django unchanged.

The front never decides what may be cached: the page cache's middleware (space.cache) does,
inside Django, and leaves its verdict in the WSGI environ (`STORE_MARK`), which the front reads
once the response is complete. The front keeps the response as the visitor got it, with the
headers that the middleware around the cache added (security headers, the content security
policy), and answers with it while this process trusts that the site's content version has not
changed (core.middleware.VERSION_TRUST_SECONDS). When the trust has run out, the request goes
through Django, which reads the version again. So a change shows as it did without the front:
at once in the process that made it, within a second in the others.

Whoever sends a session or a held-comment cookie is never answered from here: the cookie's name
anywhere in the header is enough to go through Django, which decides as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

from animateur.core.middleware import trusted_content_version
from animateur.space.comment_cookie import HELD_COOKIE
from animateur.space.page_store import Frozen, Key, pages

StartResponse = Callable[..., Any]
WSGIApplication = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# What the front leaves in the environ for the middleware: its address of the page.
FRONT_ADDRESS = "animateur.front.address"
# What the middleware leaves for the front: (key, content version) when the page may be kept.
STORE_MARK = "animateur.front.store"
# ...or the page the cache already holds for the version Django just read: once the trusted second
# is over, the front asks Django for the version, and the page is not rendered again for that.
FOUND_MARK = "animateur.front.found"


def front_address(environ: dict[str, Any]) -> tuple[str, str]:
    """The site (scheme and host as the visitor and a proxy named them) and the page's address.

    Pages name themselves with absolute addresses (feeds, canonical links): every header that
    changes how Django builds those is part of the key. Only the query parameters the views read
    count, normalised and sorted as space.cache.page_address does.
    """
    site = "|".join(
        (
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_X_FORWARDED_PROTO", ""),
            environ.get("HTTP_HOST", "").lower(),
            environ.get("HTTP_X_FORWARDED_HOST", "").lower(),
        )
    )
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    if not query:
        return site, path
    from animateur.space.cache import QUERY_PARAMETERS

    last: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in QUERY_PARAMETERS:
            last[name] = value
    wanted = [(name, QUERY_PARAMETERS[name](last[name])) for name in sorted(last)]
    wanted = [(name, value) for name, value in wanted if value]
    return site, f"{path}?{urlencode(wanted)}" if wanted else path


def may_be_anonymous_page(environ: dict[str, Any]) -> bool:
    from animateur.space.cache import TEAM_PATHS

    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or settings.PAGE_CACHE_SECONDS <= 0:
        return False
    cookies = environ.get("HTTP_COOKIE", "")
    if cookies and (settings.SESSION_COOKIE_NAME in cookies or HELD_COOKIE in cookies):
        return False
    return not TEAM_PATHS.match(environ.get("PATH_INFO", ""))


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class PageCacheFront:
    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if may_be_anonymous_page(environ):
            site, address = front_address(environ)
            environ[FRONT_ADDRESS] = (site, address)
            version = trusted_content_version(environ.get("HTTP_HOST", ""), environ.get("PATH_INFO", ""))
            if version is not None:
                page = pages.get((version[0], site, address), version[1])
                if page is not None:
                    return self._answer(page, environ, start_response)
        return self._through_django(environ, start_response)

    @staticmethod
    def _answer(page: Frozen, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = page
        tag = next((value for name, value in headers if name == "ETag"), None)
        if tag is not None and environ.get("HTTP_IF_NONE_MATCH") == tag:
            start_response("304 Not Modified", [(name, value) for name, value in headers if name in NOT_MODIFIED])
            return []
        start_response(f"{status} OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _through_django(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        given: list[Any] = []

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            given[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else None

        response: Any = self.application(environ, remember)
        found = environ.get(FOUND_MARK)
        if found is not None and given and given[0].startswith("200 "):
            response.close()
            return self._answer(found, environ, start_response)
        if getattr(response, "streaming", True) or not given:
            if given:
                start_response(*given)
            return response
        # A whole body: handed to the server as one buffer (its fastest path), the response closed
        # at once, as a server would after sending it (Django's request_finished).
        try:
            body: bytes = response.content
        finally:
            response.close()
        status, headers = given
        mark = environ.get(STORE_MARK)
        if mark is not None and status.startswith("200 ") and not any(n.lower() == "set-cookie" for n, _ in headers):
            key, version = mark
            page: Frozen = (200, [*headers, ("ETag", entity_tag(body))], body)
            pages.put(key, version, page, seconds=settings.PAGE_CACHE_SECONDS, budget=settings.PAGE_CACHE_BYTES)
            return self._answer(page, environ, start_response)
        start_response(status, headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


# What a 304 repeats of the full answer (RFC 9110, 15.4.5): the validator and what varies.
NOT_MODIFIED = frozenset({"ETag", "Vary", "Cache-Control", "Content-Location", "Expires"})


def key_for(workspace_id: int, address: tuple[str, str]) -> Key:
    return workspace_id, address[0], address[1]

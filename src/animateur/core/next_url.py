"""Where a `next` parameter may send the browser: a path of this site, never another host.

`next` comes from the request, so anyone can craft a link whose `next` leads elsewhere. Only a
path on the same host is followed: "https://evil.example/", "//evil.example" and the "/\\evil.example"
that browsers read as "//evil.example" are refused, as is anything that is not a path at all.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """`candidate` when it is a path of this site, else `default`."""
    if (
        candidate
        and candidate.startswith("/")
        and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure())
    ):
        return candidate
    return default

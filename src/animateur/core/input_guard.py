"""Refuse, with a 400 that says why, requests carrying characters that no field can store.

A NUL byte is refused by PostgreSQL in any text column, and a lone surrogate ("\\ud800", which a
JSON string can spell) cannot be encoded to UTF-8 by any database or page: either would end in a
500 deep inside whatever view received it, on one database and not the other. No field of the
app accepts them, so the request is refused before any view runs, and nothing changes.

Checked: the path, the query string, form fields (names and values; uploaded files are data and
are left alone), and JSON bodies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# In a JSON body, where a NUL or a surrogate can only come as an escape: worth parsing only then.
_JSON_ESCAPES = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return "\x00" in text or _SURROGATES.search(text) is not None


def _any_unstorable(texts: Iterable[str]) -> bool:
    return any(_unstorable(text) for text in texts)


def _in_json(value: Any) -> bool:
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _in_json(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_in_json(v) for v in value)
    return False


def problem_of(request: HttpRequest) -> str | None:
    """Where the request carries a character no field stores, or None."""
    if _unstorable(request.path):
        return "path"
    if _any_unstorable(request.GET.keys()) or any(_any_unstorable(values) for _name, values in request.GET.lists()):
        return "query"
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.POST
        if _any_unstorable(form.keys()) or any(_any_unstorable(values) for _name, values in form.lists()):
            return "form"
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\x00" in body:
            return "json"
        if _JSON_ESCAPES.search(body):
            try:
                if _in_json(json.loads(body)):
                    return "json"
            except ValueError:
                return None  # not JSON at all: the view says so
    return None


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = problem_of(request)
        if where is None:
            return self.get_response(request)
        messages = {
            "path": _("The address contains a NUL character, which no page accepts."),
            "query": _("The query string contains a NUL character, which no field accepts."),
            "form": _("The form contains a NUL character, which no field accepts."),
            "json": _("The JSON body contains a NUL character or a lone surrogate, which no field accepts."),
        }
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": messages[where]}, status=400)
        return HttpResponseBadRequest(messages[where], content_type="text/plain; charset=utf-8")

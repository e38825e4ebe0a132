"""The one HTTP base of the connectors that speak to a JSON REST API (Discourse, WordPress, YouTube,
Facebook...), as healthchecks' transports share theirs.

Every request goes through the guarded client (safe_http: the address rules against our own network,
the size cap, the timeouts and the overall deadline); a network failure, an HTTP error status and an
answer that is not JSON each become the contract's failure named in words (failures.py), a 429 or
503 carrying the wait its Retry-After asked for. A connector says who it talks to (`source_name`),
where (`base_url`), with which credentials (`auth_headers`), and, where its API explains its
errors in its own way, overrides `failure_for`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

import httpx

from animateur.channels import safe_http
from animateur.channels.connectors import failures
from animateur.channels.connectors.base import Connector
from animateur.channels.errors import ConnectorError, PermanentError, TransientError

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from animateur.channels.models import Channel

# The next page's parameters from a page's decoded body and its response; None when it was the last.
NextPage = Callable[[Any, safe_http.Fetched], dict[str, Any] | None]


class RestConnector(Connector):
    # Who the manager reads about in failures: a proper name (YouTube) or « the forum ».
    source_name: ClassVar[str | Promise] = ""
    # What a refusal of credentials refused, in words: « the API key », « the access token ».
    credentials_words: ClassVar[str | Promise] = failures.CREDENTIALS
    max_bytes: ClassVar[int] = safe_http.MAX_BYTES

    def __init__(self, channel: Channel) -> None:
        super().__init__(channel)
        self._http: httpx.Client | None = None

    # -- what each connector says -------------------------------------------------------------------
    def base_url(self) -> str:
        raise NotImplementedError

    def auth_headers(self) -> dict[str, str]:
        return {}

    def failure_for(self, response: safe_http.Fetched) -> ConnectorError:
        """The failure an error status means; overridden where the API's error body says more."""
        return failures.for_status(
            self.source_name,
            response.status,
            response.headers,
            detail=error_detail(response),
            credentials=self.credentials_words,
        )

    def not_understood(self, response: safe_http.Fetched | None = None) -> PermanentError:
        """An answer that is not the API's: a page of HTML, a proxy's error, another application."""
        error = failures.failure(failures.NOT_UNDERSTOOD, self.source_name)
        assert isinstance(error, PermanentError)
        return error

    # -- requests -----------------------------------------------------------------------------------
    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        """`path` under the base URL (a full URL as given, as a `next` link is), with its query."""
        absolute = path.startswith(("http://", "https://"))
        base = path if absolute else f"{self.base_url().rstrip('/')}/{path.lstrip('/')}"
        if not params:
            return base
        return f"{base}{'&' if '?' in base else '?'}{urlencode(params)}"

    def client(self) -> httpx.Client:
        """One guarded client a connector keeps for its run: its connections are reused."""
        if self._http is None:
            self._http = safe_http.client()
        return self._http

    def send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
        files: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
    ) -> safe_http.Fetched:
        """One request, whatever status it answers; a network failure is named and raised. `files` and
        `form`: a multipart body (an upload) instead of JSON."""
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        if files is not None:
            kwargs = {"files": files, "data": form or {}}
        sent = {"Accept": "application/json", **self.auth_headers(), **(headers or {})}
        try:
            return safe_http.fetch(
                self.url(path, params),
                method=method,
                headers=sent,
                max_bytes=self.max_bytes,
                http=self.client(),
                **kwargs,
            )
        except safe_http.BlockedAddress:
            raise
        except TransientError as exc:
            kind = failures.TOO_SLOW if exc.cause == "timeout" else failures.UNREACHABLE
            raise failures.failure(kind, self.source_name, detail=str(exc)) from exc

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        body: Any = None,
        empty: bool = False,
    ) -> Any:
        """The decoded JSON answer of one request; an error status raises its failure. `empty`: the
        call may answer with no body (a deletion), then None."""
        response = self.send(method, path, params, body=body)
        if response.status >= 400:
            raise self.failure_for(response)
        if empty and not response.content.strip():
            return None
        return self.decode(response)

    def decode(self, response: safe_http.Fetched) -> Any:
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.not_understood(response) from exc

    def pages(
        self, path: str, params: dict[str, Any], next_page: NextPage, max_pages: int
    ) -> Iterator[tuple[Any, safe_http.Fetched]]:
        """The decoded pages of a list, following `next_page`, at most `max_pages` of them."""
        current: dict[str, Any] | None = dict(params)
        for _page in range(max_pages):
            if current is None:
                return
            response = self.send("GET", path, current)
            if response.status >= 400:
                raise self.failure_for(response)
            data = self.decode(response)
            yield data, response
            following = next_page(data, response)
            current = None if following is None else {**params, **following}


def error_detail(response: safe_http.Fetched) -> str:
    """The error's own words from a JSON error body, as the common APIs shape it; "" if none."""
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(data, dict):
        return ""
    error = data.get("error")
    if isinstance(error, dict):  # Google's and Facebook's {"error": {"message": ...}}
        return str(error.get("message") or error.get("status") or "")
    if isinstance(error, str):
        return error
    errors = data.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):  # Discourse
        return "; ".join(errors)
    return str(data.get("message") or data.get("code") or "")

"""What a source's failure means, decided in one place for every connector.

Whatever a connector talks through (our HTTP base, Mastodon.py, atproto, praw, imaplib, smtplib),
it hands the HTTP status and headers, or the network error, to `for_status` or `for_network`, and
gets back one of the contract's kinds (errors.py): AuthError (the credentials were refused: the
channel needs reconnecting), TransientError (down, slow, rate-limiting: try again later, never
sooner than the source asked with Retry-After) or PermanentError (this request can never succeed).
The sentence the community manager reads comes from the table below, in their language; the
source's own words follow it as the detail.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.errors import AuthError, ConnectorError, PermanentError, TransientError

# Longest wait a source may ask for: a Retry-After of a month is a mistake, not a plan.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class FailureKind:
    error: type[ConnectorError]
    cause: str  # the code kept on the run and shown through labels.CAUSE_LABELS
    words: Promise  # with %(source)s, and for REFUSED %(credentials)s


REFUSED = FailureKind(AuthError, "credentials_refused", _("%(source)s refused %(credentials)s"))
FORBIDDEN = FailureKind(PermanentError, "forbidden", _("%(source)s does not allow this request"))
NOT_FOUND = FailureKind(PermanentError, "not_found", _("%(source)s has nothing at this address"))
RATE_LIMITED = FailureKind(TransientError, "rate_limited", _("%(source)s asks us to slow down (rate limit)"))
QUOTA_EXCEEDED = FailureKind(
    TransientError, "quota_exceeded", _("%(source)s's daily quota is used up: reading resumes when it is renewed")
)
FAILING = FailureKind(TransientError, "server_error", _("%(source)s is failing"))
TOO_SLOW = FailureKind(TransientError, "timeout", _("%(source)s did not answer in time"))
UNREACHABLE = FailureKind(TransientError, "unreachable", _("%(source)s is unreachable"))
TLS_FAILED = FailureKind(PermanentError, "tls", _("the secure connection to %(source)s failed"))
REQUEST_REFUSED = FailureKind(PermanentError, "http_error", _("%(source)s refused the request"))
NOT_UNDERSTOOD = FailureKind(PermanentError, "not_understood", _("%(source)s gave an answer that cannot be read"))

CREDENTIALS = _("the credentials")

# HTTP status → kind; any other 5xx is FAILING, any other 4xx REQUEST_REFUSED. 403 is refused
# credentials unless the connector knows better (a moderator's right lost, say) and passes `kind`.
STATUS_KINDS: dict[int, FailureKind] = {
    401: REFUSED,
    403: REFUSED,
    404: NOT_FOUND,
    408: TOO_SLOW,
    410: NOT_FOUND,
    429: RATE_LIMITED,
}


def kind_of_status(status: int) -> FailureKind:
    if status in STATUS_KINDS:
        return STATUS_KINDS[status]
    return FAILING if status >= 500 else REQUEST_REFUSED


def retry_after(headers: Mapping[str, Any] | None, *, now: float | None = None) -> float | None:
    """Seconds to wait that the source asked for: Retry-After as seconds or as an HTTP-date
    (RFC 9110 §10.2.3); None when it says nothing usable."""
    value = _header(headers, "retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP-date is always GMT
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds < 0:  # NaN, or a date already past
        return None if seconds != seconds else 0.0
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    if not headers:
        return ""
    value = headers.get(name)
    if value is None:  # a plain dict keeps the case the server wrote
        value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    return str(value) if value is not None else ""


def failure(
    kind: FailureKind,
    source: str | Promise,
    *,
    detail: str = "",
    credentials: str | Promise = CREDENTIALS,
    retry_after_seconds: float | None = None,
) -> ConnectorError:
    """The error of `kind`, in words naming `source` (a proper name or « the IMAP server »); the
    source's own `detail` follows, as the technical detail."""
    words = str(kind.words) % {"source": source, "credentials": credentials}
    if detail:
        words = gettext("%(words)s: %(detail)s") % {"words": words, "detail": detail[:300]}
    return kind.error(words, cause=kind.cause, retry_after=retry_after_seconds)


def for_status(
    source: str | Promise,
    status: int,
    headers: Mapping[str, Any] | None = None,
    *,
    detail: str = "",
    kind: FailureKind | None = None,
    credentials: str | Promise = CREDENTIALS,
) -> ConnectorError:
    """The failure an HTTP error status means; a 429 or 5xx carries the wait the source asked for."""
    kind = kind or kind_of_status(status)
    wait = retry_after(headers) if kind.error is TransientError else None
    said = f"HTTP {status} {detail}".strip()
    return failure(kind, source, detail=said, credentials=credentials, retry_after_seconds=wait)


def for_network(source: str | Promise, exc: BaseException) -> ConnectorError:
    """The failure a network error means: refused by our address rules, too slow, TLS, or unreachable."""
    if blocked := safe_http.blocked_in(exc):
        return blocked
    if isinstance(exc, ConnectorError):
        return exc
    if _in_chain(exc, ssl.SSLError, ssl.CertificateError):
        return failure(TLS_FAILED, source, detail=str(exc))
    if _in_chain(exc, TimeoutError, socket.timeout) or "timed out" in str(exc).lower():
        return failure(TOO_SLOW, source, detail=str(exc))
    return failure(UNREACHABLE, source, detail=str(exc) or type(exc).__name__)


def _in_chain(exc: BaseException, *types: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False

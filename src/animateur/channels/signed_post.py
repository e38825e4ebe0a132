"""A signed JSON POST to an address a user gave: the one way webhooks leave animateur.

The address is checked like a channel's (public addresses only, unless private URLs are allowed),
redirects are not followed (a POST would turn into a GET, and the address was checked as given),
the answer is read only a little, within the time limit. The outcome says whether a retry may help:
timeouts, network errors, 429 and 5xx may; a refused address or any other answer may not.

Receivers check `X-Animateur-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the
secret they were shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.utils.translation import gettext as _

from animateur.channels import safe_http
from animateur.channels.errors import PermanentError, TransientError

SIGNATURE_HEADER = "X-Animateur-Signature"
TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
KEPT_RESPONSE_CHARS = 2000


class AddressError(ValueError):
    """The address cannot receive webhooks; the message says why in the user's language."""


def check_url(url: str) -> str:
    """An http(s) address whose host resolves to public addresses only (unless private URLs are allowed)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # read for its check: urllib refuses a bad port only here, in English
    except ValueError:
        raise AddressError(_("%(url)s is not a web address (http:// or https://)") % {"url": url}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressError(_("%(url)s is not a web address (http:// or https://)") % {"url": url})
    try:
        safe_http.validate_url(url)
    except safe_http.BlockedAddress:
        raise AddressError(
            _("%(url)s points to a private or local address, which webhooks may not call") % {"url": url}
        ) from None
    except TransientError:
        raise AddressError(_("the host of %(url)s cannot be found") % {"url": url}) from None
    except PermanentError:
        raise AddressError(_("%(url)s is not a web address (http:// or https://)") % {"url": url}) from None
    return url


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PostOutcome:
    status: int | None
    error: str  # empty when delivered (2xx)
    retryable: bool
    response: str = ""  # the start of the answer's body, for the deliveries' log

    @property
    def delivered(self) -> bool:
        return not self.error


def post_json(url: str, body: bytes, headers: dict[str, str], secret: str = "") -> PostOutcome:
    """POST `body` (JSON) to `url`, signed with `secret` when there is one; never raises for the network."""
    headers = {"Content-Type": "application/json", **headers}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        safe_http.validate_url(url)
        with (
            safe_http.client(timeout=TIMEOUT_SECONDS) as http,
            http.stream("POST", url, content=body, headers=headers, follow_redirects=False) as answer,
        ):
            received = bytearray()
            for chunk in answer.iter_bytes():
                received += chunk
                if len(received) > MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                    break
            status = answer.status_code
            response = bytes(received[:KEPT_RESPONSE_CHARS]).decode("utf-8", errors="replace")
    except safe_http.BlockedAddress:
        return PostOutcome(None, _("private or local address refused"), False)
    except httpx.ConnectError as exc:
        if "not a public address" in str(exc):
            return PostOutcome(None, _("private or local address refused"), False)
        return PostOutcome(None, _("cannot connect: %(error)s") % {"error": exc}, True)
    except httpx.TimeoutException:
        return PostOutcome(None, _("no answer within %(seconds)d seconds") % {"seconds": TIMEOUT_SECONDS}, True)
    except TransientError as exc:
        return PostOutcome(None, str(exc), True)
    except PermanentError as exc:
        return PostOutcome(None, str(exc), False)
    except httpx.HTTPError as exc:
        return PostOutcome(None, _("network error: %(error)s") % {"error": exc}, True)
    if 200 <= status < 300:
        return PostOutcome(status, "", False, response)
    retryable = status == 429 or status >= 500
    return PostOutcome(status, _("the receiver answered HTTP %(status)d") % {"status": status}, retryable, response)

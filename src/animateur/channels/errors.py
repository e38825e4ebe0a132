"""What can go wrong when talking to a channel, classified by what the scheduler must do about it.

- TransientError: the source is down, slow or rate-limiting us: retry later with backoff and jitter.
- AuthError: the credentials were refused: the channel needs reconnection and its managers are told.
- PermanentError: this request or item can never succeed: record it, skip it, keep it for inspection.

Messages name the cause in words a community manager understands; they never contain credentials.
"""

from __future__ import annotations

from django.utils.functional import Promise


class ConnectorError(Exception):
    """A failure talking to a channel's source; `cause` is a short machine code shown on the health page."""

    cause = "error"

    # Connectors may pass a lazy translation: str(error) puts it in words.
    def __init__(
        self, message: str | Promise, *, cause: str | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        if cause:
            self.cause = cause
        self.retry_after = retry_after


class TransientError(ConnectorError):
    cause = "unreachable"


class AuthError(ConnectorError):
    cause = "credentials_refused"


class PermanentError(ConnectorError):
    cause = "permanent"


class MalformedItem(PermanentError):
    """One item of a source cannot be read; the rest of the batch goes on."""

    cause = "malformed"

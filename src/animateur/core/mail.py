"""The email backend when no mail server is configured: say in the log that an email was not sent.

Django's console backend printed every email whole on standard output, password-reset and
invitation links included, where any reader of the logs could use them. This one writes at the
default level only that an email to someone was not sent, and its text at DEBUG level, which
an administrator turns on knowingly (ANIMATEUR_LOG_LEVEL=DEBUG).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger(__name__)


class UnsentEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.warning(
                "email not sent (no mail server: set ANIMATEUR_SMTP_HOST): %r to %s",
                message.subject,
                ", ".join(message.recipients()),
            )
            logger.debug("text of the email not sent to %s:\n%s", ", ".join(message.recipients()), message.body)
        return 0  # none was sent

"""The words of what the team does to a message, the same wherever it is done.

A message is acted on in its conversation, in the review queue and, for a comment of the site,
in the comments list: each offers these decisions with these words, in this order, so that
« Rejeter » means the same thing on every page. The decisions themselves are moderation's
actions (``do_moderate_messages``); a reply is the inbox's (``do_reply_conversation``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

DECISIONS = ("approve", "reject", "spam", "delete")
DECISION_LABELS: dict[str, Any] = {
    "approve": pgettext_lazy("message action", "Approve"),
    "reject": pgettext_lazy("message action", "Reject"),
    "spam": pgettext_lazy("message action", "Spam"),
    "delete": pgettext_lazy("message action", "Delete"),
}
# What each decision does, said once where the buttons are explained (the title of each button).
DECISION_HINTS: dict[str, Any] = {
    "approve": pgettext_lazy("message action", "Published for everyone"),
    "reject": pgettext_lazy("message action", "Hidden from the public, kept for the team"),
    "spam": pgettext_lazy("message action", "Hidden as spam; the spam score learns from it"),
    "delete": pgettext_lazy("message action", "Moved to the trash"),
}
REPLY = pgettext_lazy("message action", "Reply")
SEND_REPLY = pgettext_lazy("message action", "Send the reply")
ESCALATE = pgettext_lazy("message action", "Escalate")
OPEN_CONVERSATION = pgettext_lazy("message action", "Open the conversation")
OPEN_MESSAGE = pgettext_lazy("message action", "Open the message")
# The visibility each decision gives (stream.models.Visibility values), for pages listed by visibility.
VISIBILITY_OF = {"approve": "visible", "reject": "hidden", "spam": "spam", "delete": "trash"}


def decision_choices() -> list[tuple[str, str, str]]:
    """(code, label, hint) of every decision, in the order every page shows them."""
    return [(code, str(DECISION_LABELS[code]), str(DECISION_HINTS[code])) for code in DECISIONS]

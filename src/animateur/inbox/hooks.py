"""The pipeline hook: inbound messages open or reopen conversations; our answers stop the clock.

Channel-agnostic: a message joins the conversation of its parent; a message without one
(no parent, or a parent that is our post) starts a conversation. Runs inside the batch's
transaction (pipeline.ON_STORE), so no stored message is ever left without its conversation.
"""

from __future__ import annotations

from animateur.stream.items import Incoming
from animateur.stream.models import Kind, Message, Visibility

# Messages nobody should answer: the team does not work on spam or what was deleted.
SKIPPED_VISIBILITY = {Visibility.SPAM, Visibility.TRASH, Visibility.DELETED, Visibility.HIDDEN}


def on_store(items: list[Incoming]) -> None:
    from animateur.inbox.actions import attach_inbound, attach_outbound

    for item in items:
        message = item.message
        if message is None or item.existing is not None or item.historical:
            continue  # an edit at the source does not reopen anything; the past (imports, backlog) is no work
        if message.kind == Kind.POST and message.parent_id is None and message.from_organisation:
            continue
        if message.from_organisation:
            attach_outbound(message)
        elif message.visibility not in SKIPPED_VISIBILITY:
            attach_inbound(message)


def conversation_root_for(message: Message) -> int | None:
    """The conversation the message's parent belongs to, if any."""
    from animateur.inbox.models import ConversationItem

    if message.parent_id is None:
        return None
    return (
        ConversationItem.objects.filter(message_id=message.parent_id)
        .values_list("conversation_id", flat=True)
        .first()
    )

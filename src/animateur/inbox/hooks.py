"""The pipeline hook: which stored messages are the team's work (animateur.inbox.attach does the rest).

Channel-agnostic. Runs inside the batch's transaction (pipeline.ON_STORE), once per batch, so no
stored message is ever left without its conversation.
"""

from __future__ import annotations

from animateur.channels.apps import heard_elsewhere
from animateur.stream.items import Incoming
from animateur.stream.models import Kind, Message, Visibility

# Messages nobody should answer: the team does not work on spam or what was deleted.
SKIPPED_VISIBILITY = {Visibility.SPAM, Visibility.TRASH, Visibility.DELETED, Visibility.HIDDEN}


def is_work(item: Incoming) -> bool:
    message = item.message
    if message is None or item.existing is not None or item.historical:
        return False  # an edit at the source does not reopen anything; the past (imports, backlog) is no work
    if heard_elsewhere(item.channel.kind):
        # Heard by a listening source, not said to the team: listening counts it; only a crisis room
        # brings one into the inbox (inbox.actions.conversations.do_pull_into_inbox).
        return False
    if message.from_organisation:
        # Our answers stop a clock; our own posts are what members answer, not conversations.
        return not (message.kind == Kind.POST and message.parent_id is None)
    return message.visibility not in SKIPPED_VISIBILITY


def on_store(items: list[Incoming]) -> None:
    from animateur.inbox.attach import attach

    work: list[Message] = [item.message for item in items if is_work(item)]  # type: ignore[misc]
    # Replies stored before their parent, linked to it as it arrived: the parent may join their conversation.
    late = {item.message.id: [r.id for r in item.linked_replies] for item in items if item.linked_replies}  # type: ignore[union-attr]
    attach(work, late)

"""Bringing a message heard elsewhere into the inbox.

A listening source's messages (channels.apps.LISTENING_KINDS) are not addressed to the team and open
no conversation as they arrive (inbox/hooks.py). In a crisis the team answers them anyway: the crisis
room pulls each into the inbox, where it opens a conversation of its own, urgent, like any other.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.channels.apps import heard_elsewhere
from animateur.core.actions import ActionError, Actor, require
from animateur.inbox.attach import Pulled, attach
from animateur.inbox.models import Conversation, ConversationItem, Priority
from animateur.stream.models import Message


def do_pull_into_inbox(
    message: Message, *, actor: Actor, priority: str = Priority.URGENT, why: dict[str, Any] | None = None
) -> Conversation:
    """Open a conversation for a message heard elsewhere (one audit event: the conversation opened, by
    `actor`, with `why`, such as the crisis room). Refused for a message already in a conversation, for
    one the team wrote, and for one of an owned channel (the pipeline decided its fate)."""
    workspace = message.workspace
    require(actor, workspace, "inbox.work")
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    if not heard_elsewhere(message.channel.kind):
        raise ActionError(_("Only a message heard elsewhere (by a listening source) can be brought into the inbox."))
    if message.from_organisation:
        raise ActionError(_("This message was written by the team: it is no conversation."))
    with transaction.atomic(durable=True):
        locked = Message.objects.select_for_update(of=("self",)).select_related("channel", "author").get(pk=message.pk)
        if ConversationItem.objects.filter(message_id=locked.pk).exists():
            raise ActionError(_("This message is already in a conversation of the inbox."))
        attach([locked], pulled=Pulled(actor, priority, dict(why or {})))
        return Conversation.objects.get(items__message_id=locked.pk)

"""Which channel kinds can answer from the inbox, and how: the inbox's own registry, filled here from
the layers below (the site's replies, and the channels whose connector can reply), never from ready()."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from animateur.channels.apps import REPLYING_KINDS
from animateur.core.actions import Actor
from animateur.inbox.models import Conversation
from animateur.stream.models import Message

# A channel kind's way to answer `parent` with `text`: it sends and stores the answer, and calls
# `audit(answer)` inside the transaction that stores it (the inbox's action writes its one event there).
ReplyHandler = Callable[[Message, str, Actor, Callable[[Message], object]], Message]


def _reply_on_site(parent: Message, text: str, actor: Actor, audit: Callable[[Message], object]) -> Message:
    from animateur.space.comments import reply_as_organisation

    with transaction.atomic(durable=True):
        answer = reply_as_organisation(parent, text, actor=actor)
        audit(answer)
    return answer


def _reply_at_source(parent: Message, text: str, actor: Actor, audit: Callable[[Message], object]) -> Message:
    # Sends over the network first, outside any transaction, then stores (see channels.actions.reply_at_source).
    from animateur.channels.actions import reply_at_source

    return reply_at_source(parent, text, actor=actor, audit=audit)


# Channel kinds that can answer from animateur: our site, and those whose connector declares Capability.REPLY.
REPLY_HANDLERS: dict[str, ReplyHandler] = {"site": _reply_on_site, **dict.fromkeys(REPLYING_KINDS, _reply_at_source)}


def can_reply(conversation: Conversation) -> bool:
    return conversation.channel_kind in REPLY_HANDLERS

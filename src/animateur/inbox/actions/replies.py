"""Answering a conversation: through its channel (one of REPLY_HANDLERS), or marked as answered elsewhere.

The first answer stops the response clock; when and how is kept as a FirstResponse (a measurement,
not a second audit event)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User
from animateur.inbox import sla
from animateur.inbox.actions._shared import announce, touch
from animateur.inbox.models import (
    Conversation,
    FirstResponse,
    State,
)
from animateur.inbox.reply_handlers import REPLY_HANDLERS
from animateur.inbox.selectors import expects_answer
from animateur.stream.models import Message


class ReplyCollision(ActionError):
    """A teammate answered since the form was shown; the reply waits for confirmation."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__(_("A teammate replied meanwhile. Send yours anyway?"))
        self.messages = messages


def _keep_first_response(conversation: Conversation, actor: Actor, at: datetime, *, elsewhere: bool) -> None:
    """What the response-time page is computed from: everything it needs, frozen at the time."""
    workspace = conversation.workspace
    data = sla.first_response_data(
        sla.expectations_for([workspace])[workspace.pk],
        channel_kind=conversation.channel_kind,
        priority=conversation.priority,
        started_at=conversation.started_at,
        due=conversation.due_at,
        responded_at=at,
        user_id=actor.pk if isinstance(actor, User) else None,
        expected=expects_answer(conversation),
        elsewhere=elsewhere,
    )
    FirstResponse.objects.create(workspace=workspace, conversation=conversation, data=data, recorded_at=at)


def _reply_parent(conversation: Conversation) -> Message:
    """We answer the latest inbound message of the conversation, so the reply sits under it."""
    latest = (
        Message.objects.filter(conversation_item__conversation=conversation, from_organisation=False)
        .order_by("-created_at", "-pk")
        .first()
    )
    return latest or conversation.root


def do_reply_conversation(
    conversation: Conversation,
    text: str,
    *,
    actor: User,
    last_seen_message_id: int | None = None,
    confirmed: bool = False,
) -> Message:
    """Reply through the conversation's channel; refuses (ReplyCollision) if a teammate answered meanwhile."""
    workspace = conversation.workspace
    require(actor, workspace, "inbox.reply")
    handler = REPLY_HANDLERS.get(conversation.channel_kind)
    if handler is None:
        raise ActionError(_("This channel cannot reply from animateur: mark it as answered elsewhere."))
    if not (text or "").strip():
        raise ActionError(_("The reply is empty."))
    if last_seen_message_id is not None and not confirmed:
        newer = list(
            Message.objects.filter(
                conversation_item__conversation=conversation,
                from_organisation=True,
                pk__gt=last_seen_message_id,
            ).select_related("sent_by")
        )
        if newer:
            raise ReplyCollision(newer)

    def audit(answer: Message) -> None:
        conversation.refresh_from_db()
        record(workspace, actor, AuditVerb.INBOX_REPLY, conversation, {"message": answer.pk})
        announce(conversation, "conversation.answered", actor, elsewhere=False)

    # Not in a transaction: a channel's handler sends over the network (which must not hold the
    # database, on SQLite its write lock) and then stores what was sent in a transaction of its own.
    return handler(_reply_parent(conversation), text, actor, audit)


def do_mark_answered_elsewhere(conversation: Conversation, *, actor: User) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.reply")
    with transaction.atomic(durable=True):
        conversation = Conversation.objects.select_for_update().select_related("workspace").get(pk=conversation.pk)
        now = timezone.now()
        conversation.answered_elsewhere = True
        first = conversation.first_response_at is None
        if first:
            conversation.first_response_at = now
            conversation.first_responder = actor
        if conversation.state in (State.NEW, State.OPEN):
            conversation.state = State.WAITING
        touch(conversation)
        conversation.save()
        record(workspace, actor, AuditVerb.INBOX_ANSWERED_ELSEWHERE, conversation, {})
        announce(conversation, "conversation.answered", actor, elsewhere=True)
        if first:
            _keep_first_response(conversation, actor, now, elsewhere=True)

"""What the inbox's actions share: changes to a conversation that write no audit event of their own
(each action writes its one), and the conversation's domain events. Private to animateur.inbox.actions."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, SystemActor, actor_label
from animateur.core.events import emit
from animateur.core.links import absolute_url
from animateur.core.models import User, Workspace
from animateur.inbox import sla
from animateur.inbox.actions.notifications import notify
from animateur.inbox.models import (
    Conversation,
    Notification,
    State,
)
from animateur.inbox.selectors import expects_answer

INBOX = SystemActor("inbox")


def touch(conversation: Conversation) -> None:
    conversation.updated_at = timezone.now()


def announce(conversation: Conversation, name: str, actor: Actor, **data: Any) -> None:
    """The conversation's domain event (core/events.py), sent once the change commits."""
    emit(
        conversation.workspace,
        name,
        {
            "conversation_id": conversation.pk,
            "subject": conversation.subject,
            "url": absolute_url(conversation.workspace, "inbox:conversation", (conversation.pk,)),
            "by": actor_label(actor),
            **data,
        },
    )


def announce_changes(conversation: Conversation, actor: Actor, changes: dict[str, dict[str, Any]]) -> None:
    if "assignee" in changes:
        announce(conversation, "conversation.assigned", actor, assignee=assignee_email(conversation))
    if changes.get("state", {}).get("to") == State.CLOSED:
        announce(conversation, "conversation.closed", actor)


def assignee_email(conversation: Conversation) -> str | None:
    return conversation.assignee.email if conversation.assignee_id and conversation.assignee else None


def check_assignee(workspace: Workspace, assignee: User | None) -> None:
    if assignee is not None and assignee.role_in(workspace) not in ("owner", "manager", "moderator"):
        raise ActionError(_("%(name)s cannot work on conversations in this workspace.") % {"name": assignee.name})


def assign(conversation: Conversation, assignee: User | None, actor: Actor) -> None:
    """Sets the assignee (a new conversation someone takes is open) and tells them; no audit event."""
    conversation.assignee = assignee
    if conversation.state == State.NEW and assignee is not None:
        conversation.state = State.OPEN
    if assignee is not None and assignee != actor:
        notify(
            assignee,
            conversation,
            Notification.Kind.ASSIGNED,
            _("%(actor)s assigned you a conversation with %(name)s")
            % {"actor": getattr(actor, "name", str(actor)), "name": conversation.author_name},
        )


def set_priority(conversation: Conversation, priority: str) -> None:
    """Sets the priority; an unanswered conversation's due time follows its new target. No audit event."""
    workspace = conversation.workspace
    conversation.priority = priority
    if conversation.first_response_at is None:
        conversation.due_at = sla.expectations_for([workspace])[workspace.pk].due_at(
            conversation.channel_kind, priority, conversation.started_at, expected=expects_answer(conversation)
        )

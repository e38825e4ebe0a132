"""A conversation's assignee, state and priority, one at a time, together, or for several at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.inbox.actions._shared import (
    announce,
    announce_changes,
    assign,
    assignee_email,
    check_assignee,
    set_priority,
    touch,
)
from animateur.inbox.models import (
    Conversation,
    Label,
    Priority,
    State,
)


def do_assign_conversation(conversation: Conversation, assignee: User | None, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.assign")
    with transaction.atomic(durable=True):
        previous = assign_conversation(conversation, assignee, actor)
        record(
            workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_ASSIGN,
            conversation,
            {"from": previous, "to": assignee.pk if assignee else None},
        )


def assign_conversation(conversation: Conversation, assignee: User | None, actor: Actor) -> int | None:
    """The assignment in the caller's transaction, with its event but no audit row (the caller
    writes its own): shared with the moderation rules' « assign » effect. Returns the previous
    assignee's id; refuses (ActionError) an assignee who cannot work conversations, changing nothing."""
    check_assignee(conversation.workspace, assignee)
    previous = conversation.assignee_id
    assign(conversation, assignee, actor)
    touch(conversation)
    conversation.save(update_fields=["assignee", "state", "updated_at"])
    if previous != conversation.assignee_id:
        announce(conversation, "conversation.assigned", actor, assignee=assignee_email(conversation))
    return previous


def do_set_conversation_state(conversation: Conversation, state: str, *, actor: Actor) -> None:
    require(actor, conversation.workspace, "inbox.work")
    if state not in State.values:
        raise ActionError(_("Unknown state."))
    with transaction.atomic(durable=True):
        previous = conversation.state
        conversation.state = state
        touch(conversation)
        conversation.save(update_fields=["state", "updated_at"])
        record(
            conversation.workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_STATE,
            conversation,
            {"from": previous, "to": state},
        )
        announce_changes(conversation, actor, {"state": {"from": previous, "to": state}} if previous != state else {})


def do_set_conversation_priority(conversation: Conversation, priority: str, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    with transaction.atomic(durable=True):
        previous = conversation.priority
        set_priority(conversation, priority)
        touch(conversation)
        conversation.save(update_fields=["priority", "due_at", "updated_at"])
        record(
            workspace, actor, AuditVerb.INBOX_CONVERSATION_PRIORITY, conversation, {"from": previous, "to": priority}
        )


# The value a field of do_update_conversation keeps when the caller does not change it.
UNCHANGED: Any = object()


def do_update_conversation(
    conversation: Conversation,
    *,
    actor: Actor,
    assignee: User | None = UNCHANGED,
    state: str = UNCHANGED,
    priority: str = UNCHANGED,
) -> dict[str, dict[str, Any]]:
    """Assignee, state and priority changed together, as the conversation's one form sends them.

    Only what differs is changed; one audit event (`inbox.conversation.update`) lists every change
    as {field: {"from": ..., "to": ...}} (the assignee as a user id). Returns those changes; nothing
    is written when there are none. Checks everything before changing anything.
    """
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    if state is not UNCHANGED and state not in State.values:
        raise ActionError(_("Unknown state."))
    if priority is not UNCHANGED and priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    changes: dict[str, dict[str, Any]] = {}
    new_assignee = assignee is not UNCHANGED and (assignee.pk if assignee else None) != conversation.assignee_id
    if new_assignee:
        require(actor, workspace, "inbox.assign")
        check_assignee(workspace, assignee)
    with transaction.atomic(durable=True):
        before = {"assignee": conversation.assignee_id, "state": conversation.state, "priority": conversation.priority}
        if new_assignee:
            assign(conversation, assignee, actor)
        # A state left as it was shown does not undo the opening that taking a new conversation does.
        if state is not UNCHANGED and state != before["state"]:
            conversation.state = state
        if priority is not UNCHANGED and priority != conversation.priority:
            set_priority(conversation, priority)
        after = {"assignee": conversation.assignee_id, "state": conversation.state, "priority": conversation.priority}
        changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
        if not changes:
            return changes
        touch(conversation)
        conversation.save(update_fields=["assignee", "state", "priority", "due_at", "updated_at"])
        record(workspace, actor, AuditVerb.INBOX_CONVERSATION_UPDATE, conversation, {"changes": changes})
        announce_changes(conversation, actor, changes)
    return changes


BULK_OPERATIONS = ("assign_me", "unassign", "close", "open", "waiting", "label")
_BULK_STATES = {"close": State.CLOSED, "open": State.OPEN, "waiting": State.WAITING}


def do_bulk_conversations(
    workspace: Workspace,
    conversations: Iterable[Conversation],
    operation: str,
    *,
    actor: User,
    label: Label | None = None,
) -> int:
    """One change to several conversations of the workspace: one audit event naming them all."""
    if operation not in BULK_OPERATIONS or (operation == "label" and label is None):
        raise ActionError(_("Unknown bulk action."))
    require(actor, workspace, "inbox.assign" if operation in ("assign_me", "unassign") else "inbox.work")
    conversations = list(conversations)
    if not conversations:
        raise ActionError(_("Select conversations and an action."))
    if any(c.workspace_id != workspace.pk for c in conversations) or (label and label.workspace_id != workspace.pk):
        raise ActionError(_("Unknown conversation."))
    if operation == "assign_me":
        check_assignee(workspace, actor)
    changed: dict[int, dict[str, dict[str, Any]]] = {}
    with transaction.atomic(durable=True):
        for conversation in conversations:
            before = {"assignee": conversation.assignee_id, "state": conversation.state}
            if operation in ("assign_me", "unassign"):
                assign(conversation, actor if operation == "assign_me" else None, actor)
            elif operation in _BULK_STATES:
                conversation.state = _BULK_STATES[operation]
            else:
                conversation.labels.add(label)  # type: ignore[arg-type]
            after = {"assignee": conversation.assignee_id, "state": conversation.state}
            changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
            touch(conversation)
            conversation.save(update_fields=["assignee", "state", "updated_at"])
            changed[conversation.pk] = changes
            announce_changes(conversation, actor, changes)
        record(
            workspace,
            actor,
            AuditVerb.INBOX_CONVERSATIONS_BULK,
            workspace,
            {
                "operation": operation,
                "conversations": sorted(changed),
                **({"label": label.name} if label else {}),
            },
        )
    return len(conversations)

"""Every write of the inbox: `do_<verb>_<noun>(..., *, actor)` checks, changes in one transaction, audits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.apps import REPLYING_KINDS
from animateur.core.actions import ActionError, Actor, SystemActor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit
from animateur.core.html import render_markdown
from animateur.core.links import absolute_url
from animateur.core.models import Membership, User, Workspace
from animateur.inbox import business_time, sla
from animateur.inbox.models import (
    Conversation,
    FirstResponse,
    Holiday,
    Label,
    Note,
    Notification,
    NotificationPreference,
    Priority,
    ResponseTarget,
    SavedReply,
    SavedView,
    State,
    due_sort_of,
)
from animateur.stream.models import Message

INBOX = SystemActor("inbox")


class ReplyCollision(ActionError):
    """A teammate answered since the form was shown; the reply waits for confirmation."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__(_("A teammate replied meanwhile. Send yours anyway?"))
        self.messages = messages


# ----------------------------------------------------------------- reply capability per channel kind


# A channel kind's way to answer `parent` with `text`: it sends and stores the answer, and calls
# `audit(answer)` inside the transaction that stores it (the inbox's action writes its one event there).
ReplyHandler = Callable[[Message, str, Actor, Callable[[Message], object]], Message]


def _reply_on_site(parent: Message, text: str, actor: Actor, audit: Callable[[Message], object]) -> Message:
    from animateur.space.comments import reply_as_organisation

    with transaction.atomic():
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


# ----------------------------------------------------------------- expectations of a conversation
# (the pipeline's side, attaching stored messages to conversations, is animateur.inbox.attach)


def expects_answer(conversation: Conversation) -> bool:
    """Whether the first-response clock runs for this conversation (the rule: sla.expects_answer)."""
    root_kind = Message.objects.filter(pk=conversation.root_id).values_list("kind", flat=True).first() or ""
    kind = conversation.channel_kind
    return sla.expects_answer(kind, root_kind, can_reply=kind in REPLY_HANDLERS)


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


# ----------------------------------------------------------------- the team's work


def _touch(conversation: Conversation) -> None:
    conversation.updated_at = timezone.now()


def _announce(conversation: Conversation, name: str, actor: Actor, **data: Any) -> None:
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


def _announce_changes(conversation: Conversation, actor: Actor, changes: dict[str, dict[str, Any]]) -> None:
    if "assignee" in changes:
        _announce(conversation, "conversation.assigned", actor, assignee=_assignee_email(conversation))
    if changes.get("state", {}).get("to") == State.CLOSED:
        _announce(conversation, "conversation.closed", actor)


def _assignee_email(conversation: Conversation) -> str | None:
    return conversation.assignee.email if conversation.assignee_id and conversation.assignee else None


def _check_assignee(workspace: Workspace, assignee: User | None) -> None:
    if assignee is not None and assignee.role_in(workspace) not in ("owner", "manager", "moderator"):
        raise ActionError(_("%(name)s cannot work on conversations in this workspace.") % {"name": assignee.name})


def _assign(conversation: Conversation, assignee: User | None, actor: Actor) -> None:
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


def _set_priority(conversation: Conversation, priority: str) -> None:
    """Sets the priority; an unanswered conversation's due time follows its new target. No audit event."""
    workspace = conversation.workspace
    conversation.priority = priority
    if conversation.first_response_at is None:
        conversation.due_at = sla.expectations_for([workspace])[workspace.pk].due_at(
            conversation.channel_kind, priority, conversation.started_at, expected=expects_answer(conversation)
        )


def do_assign_conversation(conversation: Conversation, assignee: User | None, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.assign")
    _check_assignee(workspace, assignee)
    with transaction.atomic():
        previous = conversation.assignee_id
        _assign(conversation, assignee, actor)
        _touch(conversation)
        conversation.save(update_fields=["assignee", "state", "updated_at"])
        record(
            workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_ASSIGN,
            conversation,
            {"from": previous, "to": assignee.pk if assignee else None},
        )
        if previous != conversation.assignee_id:
            _announce(conversation, "conversation.assigned", actor, assignee=_assignee_email(conversation))


def do_set_conversation_state(conversation: Conversation, state: str, *, actor: Actor) -> None:
    require(actor, conversation.workspace, "inbox.work")
    if state not in State.values:
        raise ActionError(_("Unknown state."))
    with transaction.atomic():
        previous = conversation.state
        conversation.state = state
        _touch(conversation)
        conversation.save(update_fields=["state", "updated_at"])
        record(
            conversation.workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_STATE,
            conversation,
            {"from": previous, "to": state},
        )
        _announce_changes(conversation, actor, {"state": {"from": previous, "to": state}} if previous != state else {})


def do_set_conversation_priority(conversation: Conversation, priority: str, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    with transaction.atomic():
        previous = conversation.priority
        _set_priority(conversation, priority)
        _touch(conversation)
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
        _check_assignee(workspace, assignee)
    with transaction.atomic():
        before = {"assignee": conversation.assignee_id, "state": conversation.state, "priority": conversation.priority}
        if new_assignee:
            _assign(conversation, assignee, actor)
        # A state left as it was shown does not undo the opening that taking a new conversation does.
        if state is not UNCHANGED and state != before["state"]:
            conversation.state = state
        if priority is not UNCHANGED and priority != conversation.priority:
            _set_priority(conversation, priority)
        after = {"assignee": conversation.assignee_id, "state": conversation.state, "priority": conversation.priority}
        changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
        if not changes:
            return changes
        _touch(conversation)
        conversation.save(update_fields=["assignee", "state", "priority", "due_at", "updated_at"])
        record(workspace, actor, AuditVerb.INBOX_CONVERSATION_UPDATE, conversation, {"changes": changes})
        _announce_changes(conversation, actor, changes)
    return changes


def do_set_conversation_labels(conversation: Conversation, labels: Iterable[Label], *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    labels = list(labels)
    if any(label.workspace_id != workspace.pk for label in labels):
        raise ActionError(_("Unknown label."))
    with transaction.atomic():
        before = sorted(conversation.labels.values_list("name", flat=True))
        conversation.labels.set(labels)
        _touch(conversation)
        conversation.save(update_fields=["updated_at"])
        record(
            workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_LABELS,
            conversation,
            {"from": before, "to": sorted(label.name for label in labels)},
        )


def do_create_label(workspace: Workspace, name: str, *, actor: Actor, color: str = "#777777") -> Label:
    require(actor, workspace, "inbox.work")
    name = (name or "").strip()[:60]
    if not name:
        raise ActionError(_("A label needs a name."))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color or ""):
        raise ActionError(_("A colour is written #rrggbb."))
    with transaction.atomic():
        label, created = Label.objects.get_or_create(workspace=workspace, name=name, defaults={"color": color})
        if created:
            record(workspace, actor, AuditVerb.INBOX_LABEL_CREATE, label, {"name": name})
    return label


MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mentioned_users(workspace: Workspace, text: str) -> list[User]:
    """@alice, @alice@example.org or @Alice_Martin: teammates by email, its local part, or name."""
    handles = {h.lower().rstrip(".") for h in MENTION.findall(text or "")}
    if not handles:
        return []
    found = []
    for membership in Membership.objects.filter(workspace=workspace).select_related("user"):
        user = membership.user
        keys = {
            user.email.lower(),
            user.email.split("@")[0].lower(),
            user.name.replace(" ", "_").lower(),
            user.name.replace(" ", "").lower(),
        }
        if keys & handles:
            found.append(user)
    return found


def do_add_note(conversation: Conversation, text: str, *, actor: User) -> Note:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    text = (text or "").strip()
    if not text:
        raise ActionError(_("The note is empty."))
    if len(text) > 20_000:
        raise ActionError(_("The note is too long."))
    with transaction.atomic():
        note = Note.objects.create(
            conversation=conversation, author=actor, text=text, html=render_markdown(text, comment=True)
        )
        mentions = mentioned_users(workspace, text)
        note.mentions.set(mentions)
        _touch(conversation)
        conversation.save(update_fields=["updated_at"])
        record(
            workspace,
            actor,
            AuditVerb.INBOX_NOTE_ADD,
            conversation,
            {"note": note.pk, "mentions": [u.pk for u in mentions]},
        )
        for user in mentions:
            if user != actor:
                notify(
                    user,
                    conversation,
                    Notification.Kind.MENTIONED,
                    _("%(actor)s mentioned you in a note") % {"actor": actor.name},
                )
    return note


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
        _announce(conversation, "conversation.answered", actor, elsewhere=False)

    # Not in a transaction: a channel's handler sends over the network (which must not hold the
    # database, on SQLite its write lock) and then stores what was sent in a transaction of its own.
    return handler(_reply_parent(conversation), text, actor, audit)


def do_mark_answered_elsewhere(conversation: Conversation, *, actor: User) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.reply")
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().select_related("workspace").get(pk=conversation.pk)
        now = timezone.now()
        conversation.answered_elsewhere = True
        first = conversation.first_response_at is None
        if first:
            conversation.first_response_at = now
            conversation.first_responder = actor
        if conversation.state in (State.NEW, State.OPEN):
            conversation.state = State.WAITING
        _touch(conversation)
        conversation.save()
        record(workspace, actor, AuditVerb.INBOX_ANSWERED_ELSEWHERE, conversation, {})
        _announce(conversation, "conversation.answered", actor, elsewhere=True)
        if first:
            _keep_first_response(conversation, actor, now, elsewhere=True)


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
        _check_assignee(workspace, actor)
    changed: dict[int, dict[str, dict[str, Any]]] = {}
    with transaction.atomic():
        for conversation in conversations:
            before = {"assignee": conversation.assignee_id, "state": conversation.state}
            if operation in ("assign_me", "unassign"):
                _assign(conversation, actor if operation == "assign_me" else None, actor)
            elif operation in _BULK_STATES:
                conversation.state = _BULK_STATES[operation]
            else:
                conversation.labels.add(label)  # type: ignore[arg-type]
            after = {"assignee": conversation.assignee_id, "state": conversation.state}
            changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
            _touch(conversation)
            conversation.save(update_fields=["assignee", "state", "updated_at"])
            changed[conversation.pk] = changes
            _announce_changes(conversation, actor, changes)
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


# ----------------------------------------------------------------- saved replies and views


def render_saved_reply(reply: SavedReply, conversation: Conversation | None, agent: User) -> str:
    values = {
        "member_name": (conversation.author_name if conversation else "") or _("there"),
        "workspace_name": (conversation.workspace.name if conversation else reply.workspace.name),
        "agent_name": agent.name,
    }
    return re.sub(r"\{(member_name|workspace_name|agent_name)\}", lambda m: values[m.group(1)], reply.body)


def do_save_saved_reply(
    workspace: Workspace,
    *,
    actor: Actor,
    title: str,
    body: str,
    language: str = "",
    reply: SavedReply | None = None,
) -> SavedReply:
    require(actor, workspace, "inbox.saved_reply.edit")
    title, body = (title or "").strip()[:120], (body or "").strip()
    if not title or not body:
        raise ActionError(_("A saved reply needs a title and a text."))
    unknown = set(re.findall(r"\{(\w+)\}", body)) - {"member_name", "workspace_name", "agent_name"}
    if unknown:
        raise ActionError(_("Unknown variable: %(names)s") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        reply = reply or SavedReply(workspace=workspace)
        reply.title, reply.body, reply.language = title, body, (language or "")[:8]
        reply.save()
        record(workspace, actor, AuditVerb.INBOX_SAVED_REPLY_SAVE, reply, {"title": title})
    return reply


def do_delete_saved_reply(reply: SavedReply, *, actor: Actor) -> None:
    require(actor, reply.workspace, "inbox.saved_reply.edit")
    with transaction.atomic():
        record(reply.workspace, actor, AuditVerb.INBOX_SAVED_REPLY_DELETE, reply, {"title": reply.title})
        reply.delete()


def do_save_view(workspace: Workspace, name: str, filters: dict, *, actor: User, shared: bool = False) -> SavedView:
    require(actor, workspace, "inbox.view")
    if shared:
        require(actor, workspace, "inbox.view.share")
    name = (name or "").strip()[:80]
    if not name:
        raise ActionError(_("A view needs a name."))
    with transaction.atomic():
        view = SavedView.objects.create(
            workspace=workspace, owner=None if shared else actor, name=name, filters=filters
        )
        record(workspace, actor, AuditVerb.INBOX_VIEW_SAVE, view, {"name": name, "shared": shared})
    return view


def do_delete_view(view: SavedView, *, actor: User) -> None:
    if view.owner_id is None:
        require(actor, view.workspace, "inbox.view.share")
    elif view.owner_id != actor.pk:
        raise ActionError(_("This view is not yours."))
    with transaction.atomic():
        record(view.workspace, actor, AuditVerb.INBOX_VIEW_DELETE, view, {"name": view.name})
        view.delete()


# ----------------------------------------------------------------- expectations: targets, hours, holidays


def do_set_response_target(
    workspace: Workspace,
    *,
    actor: Actor,
    channel_kind: str,
    priority: str,
    minutes: int,
    business_hours: bool = True,
) -> ResponseTarget:
    require(actor, workspace, "inbox.sla.edit")
    if minutes < 1 or minutes > 60 * 24 * 60:
        raise ActionError(_("A target is between 1 minute and 60 days."))
    if priority and priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    with transaction.atomic():
        target, _created = ResponseTarget.objects.update_or_create(
            workspace=workspace,
            channel_kind=channel_kind or "",
            priority=priority or "",
            defaults={"minutes": minutes, "business_hours": business_hours},
        )
        # Conversations already open and not answered yet take the new target now, not only new ones.
        target.applied_to = recompute_due_dates(workspace)
        record(
            workspace,
            actor,
            AuditVerb.INBOX_TARGET_SET,
            target,
            {
                "channel": channel_kind,
                "priority": priority,
                "minutes": minutes,
                "business_hours": business_hours,
                "applied_to": target.applied_to,
            },
        )
    return target


def do_delete_response_target(target: ResponseTarget, *, actor: Actor) -> None:
    workspace = target.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        record(workspace, actor, AuditVerb.INBOX_TARGET_DELETE, target, {"minutes": target.minutes})
        target.delete()
        recompute_due_dates(workspace)


def do_set_business_hours(workspace: Workspace, hours: dict, *, actor: Actor) -> None:
    require(actor, workspace, "inbox.sla.edit")
    try:
        business_time.parse_hours(hours)
    except (ValueError, TypeError) as exc:
        raise ActionError(_("Business hours are not valid: %(error)s") % {"error": exc}) from exc
    with transaction.atomic():
        Workspace.objects.filter(pk=workspace.pk).update(business_hours=hours)
        workspace.business_hours = hours
        record(workspace, actor, AuditVerb.INBOX_BUSINESS_HOURS_SET, workspace, {"hours": hours})
        recompute_due_dates(workspace)


def do_add_holiday(workspace: Workspace, day: date, name: str, *, actor: Actor) -> Holiday:
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        holiday, _created = Holiday.objects.update_or_create(
            workspace=workspace, date=day, defaults={"name": (name or "")[:120]}
        )
        record(workspace, actor, AuditVerb.INBOX_HOLIDAY_ADD, holiday, {"date": day.isoformat(), "name": name})
        recompute_due_dates(workspace)
    return holiday


def do_delete_holiday(holiday: Holiday, *, actor: Actor) -> None:
    workspace = holiday.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        record(workspace, actor, AuditVerb.INBOX_HOLIDAY_DELETE, holiday, {"date": holiday.date.isoformat()})
        holiday.delete()
        recompute_due_dates(workspace)


def recompute_due_dates(workspace: Workspace) -> int:
    """Unanswered conversations get their due time again after targets or hours change."""
    expectations = sla.expectations_for([workspace])[workspace.pk]
    changed = 0
    for pk, channel_kind, priority, started_at, due_at, root_kind in (
        Conversation.objects.filter(workspace=workspace, first_response_at=None)
        .exclude(state=State.CLOSED)
        .values_list("pk", "channel_kind", "priority", "started_at", "due_at", "root__kind")
        .iterator()
    ):
        expected = sla.expects_answer(channel_kind, root_kind, can_reply=channel_kind in REPLY_HANDLERS)
        due = expectations.due_at(channel_kind, priority, started_at, expected=expected)
        if due != due_at:
            Conversation.objects.filter(pk=pk).update(due_at=due, due_sort=due_sort_of(due, None))
            changed += 1
    return changed


# ----------------------------------------------------------------- notifications


def notify(user: User, conversation: Conversation, kind: str, text: str) -> Notification:
    """An in-app notification; its email goes out at once after commit, or in the digest."""
    notification = notify_many([(user.pk, conversation.workspace_id, conversation.pk, kind, text)])[0]
    notification.user = user
    return notification


def notify_many(notices: Iterable[tuple[int, int, int | None, str, str]]) -> list[Notification]:
    """Notifications (user, workspace, conversation ids, kind, text) in one insert; each emailed as `notify` does."""
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                workspace_id=workspace_id, user_id=user_id, conversation_id=conversation_id, kind=kind, text=text[:300]
            )
            for user_id, workspace_id, conversation_id, kind, text in notices
        ]
    )
    if not notifications:
        return notifications
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in={n.user_id for n in notifications}).values_list(
            "user_id", "email"
        )
    )
    immediate = [
        n.pk
        for n in notifications
        if chosen.get(n.user_id, NotificationPreference.Email.IMMEDIATE) == NotificationPreference.Email.IMMEDIATE
    ]
    if immediate:
        from animateur.inbox.tasks import send_notification_email

        def send() -> None:
            for pk in immediate:
                send_notification_email(pk)

        transaction.on_commit(send)
    return notifications


def email_mode(user: User) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list("email", flat=True).first()
    return pref or NotificationPreference.Email.IMMEDIATE


def do_set_notification_preference(user: User, workspace: Workspace, email: str, *, actor: User) -> None:
    """A person's choice of notification emails, theirs in every workspace: recorded once, in the
    workspace where they made it."""
    require(actor, workspace, "inbox.view")
    if actor != user:
        raise ActionError(_("You can only change your own notifications."))
    if email not in NotificationPreference.Email.values:
        raise ActionError(_("Unknown choice."))
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(user=user, defaults={"email": email})
        record(workspace, actor, AuditVerb.INBOX_NOTIFICATION_PREFERENCE, user, {"email": email})


def do_mark_notifications_read(user: User, workspace: Workspace, ids: list[int] | None = None, *, actor: User) -> int:
    require(actor, workspace, "inbox.view")
    if actor != user:
        raise ActionError(_("You can only read your own notifications."))
    qs = Notification.objects.filter(user=user, workspace=workspace, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    with transaction.atomic():
        n = qs.update(read_at=timezone.now())
        if n:
            record(workspace, actor, AuditVerb.INBOX_NOTIFICATIONS_READ, user, {"count": n})
    return n

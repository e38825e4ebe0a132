"""Every write of the inbox: `do_<verb>_<noun>(..., *, actor)` checks, changes in one transaction, audits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, SystemActor, record, require
from animateur.core.html import render_markdown
from animateur.core.models import Membership, User, Workspace
from animateur.inbox import business_time, search, sla
from animateur.inbox.models import (
    Conversation,
    ConversationItem,
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


def _reply_on_site(conversation: Conversation, parent: Message, text: str, actor: Actor) -> Message:
    from animateur.space.comments import do_reply_as_organisation

    return do_reply_as_organisation(parent, text, actor=actor)


# Channel kinds whose connector can answer; the channels app registers more (kind → function).
REPLY_HANDLERS: dict[str, Callable[[Conversation, Message, str, Actor], Message]] = {"site": _reply_on_site}


def can_reply(conversation: Conversation) -> bool:
    return conversation.channel_kind in REPLY_HANDLERS


# ----------------------------------------------------------------- the pipeline's side


def _snippet(message: Message) -> str:
    text = (message.title or message.text or "").strip().replace("\n", " ")
    return text[:300]


def _preview(message: Message) -> str:
    return " ".join((message.text or message.title or "").split())[:300]


def attach_inbound(message: Message) -> Conversation:
    """An inbound message opens a conversation, or joins its parent's and reopens it."""
    from animateur.inbox.hooks import conversation_root_for

    conversation_id = conversation_root_for(message)
    at = message.created_at
    if conversation_id is None:
        workspace = Workspace.objects.get(pk=message.workspace_id)
        channel = message.channel
        author = message.author
        conversation = Conversation(
            workspace=workspace,
            root=message,
            channel_id=message.channel_id,
            channel_kind=channel.kind,
            member_id=author.member_id if author else None,
            author_name=(str(author) if author else "")[:200],
            subject=_snippet(message),
            preview=_preview(message),
            search_text=search.append("", f"{message.title} {message.text}", workspace.language),
            language=message.language,
            sentiment=message.sentiment,
            started_at=at,
            last_message_at=at,
            last_inbound_at=at,
            last_message_id=message.pk,
            updated_at=timezone.now(),
        )
        conversation.due_at = sla.due_at(
            sla.calendar_for(workspace), sla.target_for(workspace, channel.kind, conversation.priority), at
        )
        conversation.save()
        ConversationItem.objects.create(conversation=conversation, message=message)
        record(
            workspace,
            INBOX,
            "inbox.conversation.open",
            conversation,
            {"message": message.pk, "channel": channel.kind, "started_at": at.isoformat()},
        )
        return conversation
    conversation = (
        Conversation.objects.select_for_update().select_related("workspace").get(pk=conversation_id)
    )
    ConversationItem.objects.create(conversation=conversation, message=message)
    conversation.message_count = F("message_count") + 1
    conversation.last_message_at = max(conversation.last_message_at, at)
    conversation.last_message_id = max(conversation.last_message_id, message.pk)
    conversation.search_text = search.append(
        conversation.search_text, message.text, conversation.workspace.language
    )
    if at >= conversation.last_inbound_at:
        conversation.preview = _preview(message)
    conversation.last_inbound_at = max(conversation.last_inbound_at, at)
    conversation.updated_at = timezone.now()
    reopened = conversation.state in (State.WAITING, State.CLOSED)
    if reopened:
        conversation.state = State.OPEN
    conversation.save()
    conversation.refresh_from_db(fields=["message_count"])
    if reopened:
        record(
            conversation.workspace, INBOX, "inbox.conversation.reopen", conversation, {"message": message.pk}
        )
    if conversation.assignee_id:
        notify(
            conversation.assignee,
            conversation,
            Notification.Kind.NEW_MESSAGE,
            _("New message from %(name)s") % {"name": conversation.author_name},
        )
    return conversation


def attach_outbound(message: Message) -> Conversation | None:
    """Our answer joins its parent's conversation, stops the first-response clock, waits for the member."""
    from animateur.inbox.hooks import conversation_root_for

    conversation_id = conversation_root_for(message)
    if conversation_id is None:
        return None
    conversation = (
        Conversation.objects.select_for_update().select_related("workspace").get(pk=conversation_id)
    )
    ConversationItem.objects.create(conversation=conversation, message=message)
    conversation.message_count = F("message_count") + 1
    conversation.last_message_at = max(conversation.last_message_at, message.created_at)
    conversation.last_message_id = max(conversation.last_message_id, message.pk)
    conversation.updated_at = timezone.now()
    if conversation.state in (State.NEW, State.OPEN):
        conversation.state = State.WAITING
    responder = User.objects.filter(pk=message.sent_by_id).first() if message.sent_by_id else None
    first = conversation.first_response_at is None
    if first:
        conversation.first_response_at = message.created_at
        conversation.first_responder = responder
    conversation.save()
    conversation.refresh_from_db(fields=["message_count"])
    if first:
        _record_first_response(conversation, responder or INBOX, message.created_at, elsewhere=False)
    return conversation


def _record_first_response(conversation: Conversation, actor: Actor, at: object, *, elsewhere: bool) -> None:
    """The audit event the response-time page is computed from: everything it needs, frozen at the time."""
    workspace = conversation.workspace
    calendar = sla.calendar_for(workspace)
    target = sla.target_for(workspace, conversation.channel_kind, conversation.priority)
    started = conversation.started_at
    record(
        workspace,
        actor,
        "inbox.first_response",
        conversation,
        {
            "channel": conversation.channel_kind,
            "priority": conversation.priority,
            "user": actor.pk if isinstance(actor, User) else None,
            "started_at": started.isoformat(),
            "responded_at": at.isoformat(),  # type: ignore[attr-defined]
            "seconds": (at - started).total_seconds(),  # type: ignore[operator]
            "business_seconds": business_time.business_seconds_between(calendar, started, at),  # type: ignore[arg-type]
            "in_hours": business_time.is_open(calendar, started),
            "target_minutes": target.minutes if target else None,
            "within_target": (at <= conversation.due_at) if conversation.due_at else None,  # type: ignore[operator]
            "elsewhere": elsewhere,
        },
    )


# ----------------------------------------------------------------- the team's work


def _touch(conversation: Conversation) -> None:
    conversation.updated_at = timezone.now()


def do_assign_conversation(conversation: Conversation, assignee: User | None, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.assign")
    if assignee is not None and assignee.role_in(workspace) not in ("owner", "manager", "moderator"):
        raise ActionError(
            _("%(name)s cannot work on conversations in this workspace.") % {"name": assignee.name}
        )
    with transaction.atomic():
        previous = conversation.assignee_id
        conversation.assignee = assignee
        if conversation.state == State.NEW and assignee is not None:
            conversation.state = State.OPEN
        _touch(conversation)
        conversation.save(update_fields=["assignee", "state", "updated_at"])
        record(
            workspace,
            actor,
            "inbox.conversation.assign",
            conversation,
            {"from": previous, "to": assignee.pk if assignee else None},
        )
        if assignee is not None and assignee != actor:
            notify(
                assignee,
                conversation,
                Notification.Kind.ASSIGNED,
                _("%(actor)s assigned you a conversation with %(name)s")
                % {"actor": getattr(actor, "name", str(actor)), "name": conversation.author_name},
            )


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
            "inbox.conversation.state",
            conversation,
            {"from": previous, "to": state},
        )


def do_set_conversation_priority(conversation: Conversation, priority: str, *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."))
    with transaction.atomic():
        previous = conversation.priority
        conversation.priority = priority
        if conversation.first_response_at is None:
            conversation.due_at = sla.due_at(
                sla.calendar_for(workspace),
                sla.target_for(workspace, conversation.channel_kind, priority),
                conversation.started_at,
            )
        _touch(conversation)
        conversation.save(update_fields=["priority", "due_at", "updated_at"])
        record(
            workspace, actor, "inbox.conversation.priority", conversation, {"from": previous, "to": priority}
        )


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
            "inbox.conversation.labels",
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
        label, created = Label.objects.get_or_create(
            workspace=workspace, name=name, defaults={"color": color}
        )
        if created:
            record(workspace, actor, "inbox.label.create", label, {"name": name})
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
            "inbox.note.add",
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
    # Not in a transaction: a channel's handler sends over the network (which must not hold the
    # database, on SQLite its write lock) and then stores what was sent in a transaction of its own.
    message = handler(conversation, _reply_parent(conversation), text, actor)
    with transaction.atomic():
        conversation.refresh_from_db()
        record(workspace, actor, "inbox.reply", conversation, {"message": message.pk})
    return message


def do_mark_answered_elsewhere(conversation: Conversation, *, actor: User) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.reply")
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update().select_related("workspace").get(pk=conversation.pk)
        )
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
        record(workspace, actor, "inbox.answered_elsewhere", conversation, {})
        if first:
            _record_first_response(conversation, actor, now, elsewhere=True)


BULK_OPERATIONS = ("assign_me", "unassign", "close", "open", "waiting", "label")


def do_bulk_conversations(
    conversations: Iterable[Conversation], operation: str, *, actor: User, label: Label | None = None
) -> int:
    count = 0
    with transaction.atomic():
        for conversation in conversations:
            if operation == "assign_me":
                do_assign_conversation(conversation, actor, actor=actor)
            elif operation == "unassign":
                do_assign_conversation(conversation, None, actor=actor)
            elif operation in ("close", "open", "waiting"):
                state = {"close": State.CLOSED, "open": State.OPEN, "waiting": State.WAITING}[operation]
                do_set_conversation_state(conversation, state, actor=actor)
            elif operation == "label" and label is not None:
                do_set_conversation_labels(conversation, [*conversation.labels.all(), label], actor=actor)
            else:
                raise ActionError(_("Unknown bulk action."))
            count += 1
    return count


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
        record(workspace, actor, "inbox.saved_reply.save", reply, {"title": title})
    return reply


def do_delete_saved_reply(reply: SavedReply, *, actor: Actor) -> None:
    require(actor, reply.workspace, "inbox.saved_reply.edit")
    with transaction.atomic():
        record(reply.workspace, actor, "inbox.saved_reply.delete", reply, {"title": reply.title})
        reply.delete()


def do_save_view(
    workspace: Workspace, name: str, filters: dict, *, actor: User, shared: bool = False
) -> SavedView:
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
        record(workspace, actor, "inbox.view.save", view, {"name": name, "shared": shared})
    return view


def do_delete_view(view: SavedView, *, actor: User) -> None:
    if view.owner_id is None:
        require(actor, view.workspace, "inbox.view.share")
    elif view.owner_id != actor.pk:
        raise ActionError(_("This view is not yours."))
    with transaction.atomic():
        record(view.workspace, actor, "inbox.view.delete", view, {"name": view.name})
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
        record(
            workspace,
            actor,
            "inbox.target.set",
            target,
            {
                "channel": channel_kind,
                "priority": priority,
                "minutes": minutes,
                "business_hours": business_hours,
            },
        )
        recompute_due_dates(workspace)
    return target


def do_delete_response_target(target: ResponseTarget, *, actor: Actor) -> None:
    workspace = target.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        record(workspace, actor, "inbox.target.delete", target, {"minutes": target.minutes})
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
        record(workspace, actor, "inbox.business_hours.set", workspace, {"hours": hours})
        recompute_due_dates(workspace)


def do_add_holiday(workspace: Workspace, day: date, name: str, *, actor: Actor) -> Holiday:
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        holiday, _created = Holiday.objects.update_or_create(
            workspace=workspace, date=day, defaults={"name": (name or "")[:120]}
        )
        record(workspace, actor, "inbox.holiday.add", holiday, {"date": day.isoformat(), "name": name})
        recompute_due_dates(workspace)
    return holiday


def do_delete_holiday(holiday: Holiday, *, actor: Actor) -> None:
    workspace = holiday.workspace
    require(actor, workspace, "inbox.sla.edit")
    with transaction.atomic():
        record(workspace, actor, "inbox.holiday.delete", holiday, {"date": holiday.date.isoformat()})
        holiday.delete()
        recompute_due_dates(workspace)


def recompute_due_dates(workspace: Workspace) -> int:
    """Unanswered conversations get their due time again after targets or hours change."""
    calendar = sla.calendar_for(workspace)
    targets = list(ResponseTarget.objects.filter(workspace=workspace))
    changed = 0
    for conversation in (
        Conversation.objects.filter(workspace=workspace, first_response_at=None)
        .exclude(state=State.CLOSED)
        .only("pk", "channel_kind", "priority", "started_at", "due_at")
        .iterator()
    ):
        due = sla.due_at(
            calendar,
            sla.target_for(workspace, conversation.channel_kind, conversation.priority, targets),
            conversation.started_at,
        )
        if due != conversation.due_at:
            Conversation.objects.filter(pk=conversation.pk).update(
                due_at=due, due_sort=due_sort_of(due, None)
            )
            changed += 1
    return changed


# ----------------------------------------------------------------- notifications


def notify(user: User, conversation: Conversation | None, kind: str, text: str) -> Notification:
    """An in-app notification; its email goes out at once after commit, or in the digest."""
    workspace_id = conversation.workspace_id if conversation else None
    notification = Notification.objects.create(
        workspace_id=workspace_id, user=user, conversation=conversation, kind=kind, text=text[:300]
    )
    if email_mode(user) == NotificationPreference.Email.IMMEDIATE:
        from animateur.inbox.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(notification.pk))
    return notification


def email_mode(user: User) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list("email", flat=True).first()
    return pref or NotificationPreference.Email.IMMEDIATE


def do_set_notification_preference(user: User, email: str, *, actor: User) -> None:
    if actor != user:
        raise ActionError(_("You can only change your own notifications."))
    if email not in NotificationPreference.Email.values:
        raise ActionError(_("Unknown choice."))
    with transaction.atomic():
        NotificationPreference.objects.update_or_create(user=user, defaults={"email": email})
        for workspace in Workspace.objects.filter(memberships__user=user):
            record(workspace, actor, "inbox.notification_preference", user, {"email": email})


def do_mark_notifications_read(
    user: User, workspace: Workspace, ids: list[int] | None = None, *, actor: User
) -> int:
    require(actor, workspace, "inbox.view")
    if actor != user:
        raise ActionError(_("You can only read your own notifications."))
    qs = Notification.objects.filter(user=user, workspace=workspace, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    with transaction.atomic():
        n = qs.update(read_at=timezone.now())
        if n:
            record(workspace, actor, "inbox.notifications.read", user, {"count": n})
    return n

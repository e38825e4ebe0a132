"""The pipeline's side of the inbox: a batch of stored messages joins or opens conversations.

A message joins the conversation of its parent. An inbound message without one (no parent, or a
parent in no conversation, such as our post) opens a conversation and starts the first-response
clock; our answer stops it and the conversation waits for the member; a member's new message
reopens a waiting or closed one and tells its assignee.

A batch costs a few queries whatever its size: the parents' conversations (locked), the
workspaces with their calendars and targets, the responders, the assignees' email preferences,
then one bulk insert or update per table. Messages are taken in the order they were stored
(parents first), so a reply joins the conversation that its parent opened in the same batch, and
the messages of a batch that go to one conversation add up in memory before its one update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core import bulk
from animateur.core.actions import Actor, Event, record_many
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit_many, listened
from animateur.core.links import absolute_url
from animateur.core.models import User, Workspace
from animateur.inbox import search, sla
from animateur.inbox.actions._shared import INBOX
from animateur.inbox.actions.notifications import notify_many
from animateur.inbox.models import (
    Conversation,
    ConversationItem,
    FirstResponse,
    Notification,
    Priority,
    State,
    due_sort_of,
)
from animateur.inbox.reply_handlers import REPLY_HANDLERS
from animateur.stream.models import Message

CHUNK = 500  # ids per IN (...) list: far below what either database accepts
TARGET_TYPE = Conversation._meta.label_lower


@dataclass(slots=True, eq=False)
class _Conversation:
    """A conversation as the batch changes it: the columns the pipeline reads and writes.

    Plain rows rather than model instances: building a Django instance per message, and letting
    bulk_create prepare each of its fields, would cost more than all the SQL of the batch.
    """

    pk: int | None
    workspace_id: int
    channel_kind: str
    root_kind: str
    priority: str
    state: str
    assignee_id: int | None
    author_name: str
    message_count: int
    started_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime
    last_message_id: int
    preview: str
    search_text: str
    due_at: datetime | None
    first_response_at: datetime | None = None
    first_responder_id: int | None = None
    # Written only when the batch opens the conversation.
    root_id: int | None = None
    channel_id: int | None = None
    member_id: int | None = None
    subject: str = ""
    language: str = ""
    sentiment: str = ""

    @property
    def due_sort(self) -> datetime:
        return due_sort_of(self.due_at, self.first_response_at)


# Read for the conversations a batch joins: the dataclass's fields up to first_responder_id.
READ = (
    "pk",
    "workspace_id",
    "channel_kind",
    "root__kind",
    "priority",
    "state",
    "assignee_id",
    "author_name",
    "message_count",
    "started_at",
    "last_message_at",
    "last_inbound_at",
    "last_message_id",
    "preview",
    "search_text",
    "due_at",
    "first_response_at",
    "first_responder_id",
)
INSERTED = (
    "workspace_id",
    "root_id",
    "channel_id",
    "channel_kind",
    "member_id",
    "author_name",
    "subject",
    "preview",
    "search_text",
    "language",
    "sentiment",
    "state",
    "priority",
    "assignee_id",
    "message_count",
    "started_at",
    "last_message_at",
    "last_inbound_at",
    "last_message_id",
    "first_response_at",
    "first_responder_id",
    "due_at",
    "due_sort",
    "answered_elsewhere",
    "warned_at",
    "updated_at",
)
UPDATED = (
    "message_count",
    "last_message_at",
    "last_inbound_at",
    "last_message_id",
    "preview",
    "search_text",
    "state",
    "first_response_at",
    "first_responder_id",
    "due_sort",
    "updated_at",
)


def _snippet(message: Message) -> str:
    text = (message.title or message.text or "").strip().replace("\n", " ")
    return text[:300]


def _preview(message: Message) -> str:
    return " ".join((message.text or message.title or "").split())[:300]


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


@dataclass
class _Batch:
    workspaces: dict[int, Workspace]
    expectations: dict[int, sla.Expectations]
    responders: dict[int, User]
    now: datetime = field(default_factory=timezone.now)
    # Message id → its conversation: the parents' (read) and this batch's messages (as they attach).
    by_message: dict[int, _Conversation] = field(default_factory=dict)
    opened: list[_Conversation] = field(default_factory=list)
    changed: dict[int, _Conversation] = field(default_factory=dict)
    items: list[tuple[_Conversation, int]] = field(default_factory=list)
    events: list[tuple[Actor, AuditVerb, _Conversation, dict]] = field(default_factory=list)
    notices: list[tuple[int, _Conversation, str, str]] = field(default_factory=list)
    first_responses: list[tuple[_Conversation, dict]] = field(default_factory=list)
    # Who opens the conversations, at which priority, and why: the pipeline by default; a person who
    # pulls a message heard elsewhere into the inbox (see actions.conversations.do_pull_into_inbox).
    opener: Actor = INBOX
    priority: str = Priority.NORMAL
    why: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pulled:
    """A message brought into the inbox by a person rather than by the pipeline."""

    actor: Actor
    priority: str
    why: dict[str, Any]


def attach(
    messages: Iterable[Message], late_replies: Mapping[int, list[int]] | None = None, *, pulled: Pulled | None = None
) -> None:
    """Attach stored messages to conversations, opening those they start.

    The caller chose the messages that are work (see inbox.hooks). Runs inside the batch's
    transaction, so no stored message is ever left without its conversation. `late_replies` names,
    for a message that arrived after replies to it (linked to it as it was stored), those replies:
    a member's message without a conversation of its own joins the one they opened, so one
    conversation holds the thread.
    """
    late = late_replies or {}
    # Messages by `id` rather than `pk` here: `pk` is a property call, read several times a message.
    ordered = sorted(messages, key=lambda m: m.id)
    if not ordered:
        return
    workspaces = Workspace.objects.in_bulk({m.workspace_id for m in ordered})
    sent_by = {m.sent_by_id for m in ordered if m.from_organisation and m.sent_by_id}
    batch = _Batch(
        workspaces=workspaces,
        expectations=sla.expectations_for(workspaces.values()),
        responders=User.objects.in_bulk(sent_by) if sent_by else {},
    )
    if pulled is not None:
        batch.opener, batch.priority, batch.why = pulled.actor, pulled.priority, dict(pulled.why)
    _read_parents_conversations(batch, ordered, {r for replies in late.values() for r in replies})
    for message in ordered:
        conversation = batch.by_message.get(message.parent_id) if message.parent_id else None
        if conversation is None and message.id in late and not message.from_organisation:
            conversation = next((batch.by_message[r] for r in late[message.id] if r in batch.by_message), None)
        if message.from_organisation:
            if conversation is None:
                continue  # our own words under nobody's question are no work
            _answer(batch, conversation, message)
        elif conversation is None:
            conversation = _open(batch, message)
        else:
            _join(batch, conversation, message)
        batch.items.append((conversation, message.id))
        batch.by_message[message.id] = conversation
    _write(batch)


def _read_parents_conversations(batch: _Batch, messages: list[Message], also: set[int]) -> None:
    """The conversations the parents (and the messages in `also`) belong to, locked until the batch commits."""
    parent_ids = {m.parent_id for m in messages if m.parent_id is not None} | also
    conversation_of: dict[int, int] = {}
    for chunk in _chunks(parent_ids):
        conversation_of.update(
            ConversationItem.objects.filter(message_id__in=chunk).values_list("message_id", "conversation_id")
        )
    conversations: dict[int, _Conversation] = {}
    for chunk in _chunks(set(conversation_of.values())):
        # In id order, so that two batches locking the same conversations cannot deadlock.
        rows = (
            Conversation.objects.select_for_update(of=("self",)).filter(pk__in=chunk).order_by("pk").values_list(*READ)
        )
        for row in rows:
            conversations[row[0]] = _Conversation(*row)
    for message_id, conversation_id in conversation_of.items():
        if conversation_id in conversations:  # else deleted meanwhile: the reply opens its own
            batch.by_message[message_id] = conversations[conversation_id]


def _related(message: Message, name: str) -> Any:
    """`message.<name>`, read from the instance's cache when the pipeline put it there (the descriptor costs more)."""
    cache = message._state.fields_cache
    return cache[name] if name in cache else getattr(message, name)


def _expected(conversation: _Conversation) -> bool:
    kind = conversation.channel_kind
    return sla.expects_answer(kind, conversation.root_kind, can_reply=kind in REPLY_HANDLERS)


def _open(batch: _Batch, message: Message) -> _Conversation:
    """A conversation for an inbound message that belongs to none, its clock started."""
    workspace = batch.workspaces[message.workspace_id]
    author = _related(message, "author")
    at = message.created_at
    conversation = _Conversation(
        pk=None,
        workspace_id=workspace.pk,
        channel_kind=_related(message, "channel").kind,
        root_kind=message.kind,
        priority=batch.priority,
        state=State.NEW,
        assignee_id=None,
        author_name=(str(author) if author else "")[:200],
        message_count=1,
        started_at=at,
        last_message_at=at,
        last_inbound_at=at,
        last_message_id=message.id,
        preview=_preview(message),
        search_text=search.append("", f"{message.title} {message.text}", workspace.language),
        due_at=None,
        root_id=message.id,
        channel_id=message.channel_id,
        member_id=author.member_id if author else None,
        subject=_snippet(message),
        language=message.language,
        sentiment=message.sentiment,
    )
    conversation.due_at = batch.expectations[workspace.pk].due_at(
        conversation.channel_kind, conversation.priority, at, expected=_expected(conversation)
    )
    batch.opened.append(conversation)
    data = {"message": message.id, "channel": conversation.channel_kind, "started_at": at.isoformat(), **batch.why}
    batch.events.append((batch.opener, AuditVerb.INBOX_CONVERSATION_OPEN, conversation, data))
    return conversation


def _touch(batch: _Batch, conversation: _Conversation, message: Message) -> None:
    conversation.message_count += 1
    conversation.last_message_at = max(conversation.last_message_at, message.created_at)
    conversation.last_message_id = max(conversation.last_message_id, message.id)
    if conversation.pk is not None:
        batch.changed[conversation.pk] = conversation


def _join(batch: _Batch, conversation: _Conversation, message: Message) -> None:
    """A member's message in a conversation: its preview and words, reopened, its assignee told."""
    at = message.created_at
    _touch(batch, conversation, message)
    language = batch.workspaces[conversation.workspace_id].language
    conversation.search_text = search.append(conversation.search_text, message.text, language)
    if at >= conversation.last_inbound_at:
        conversation.preview = _preview(message)
    conversation.last_inbound_at = max(conversation.last_inbound_at, at)
    if conversation.state in (State.WAITING, State.CLOSED):
        conversation.state = State.OPEN
        batch.events.append((INBOX, AuditVerb.INBOX_CONVERSATION_REOPEN, conversation, {"message": message.id}))
    if conversation.assignee_id:
        text = _("New message from %(name)s") % {"name": conversation.author_name}
        batch.notices.append((conversation.assignee_id, conversation, Notification.Kind.NEW_MESSAGE, text))


def _answer(batch: _Batch, conversation: _Conversation, message: Message) -> None:
    """Our answer: the conversation waits for the member; the first one stops the clock."""
    _touch(batch, conversation, message)
    if conversation.state in (State.NEW, State.OPEN):
        conversation.state = State.WAITING
    if conversation.first_response_at is not None:
        return
    responder = batch.responders.get(message.sent_by_id) if message.sent_by_id else None
    at = message.created_at
    conversation.first_response_at = at
    conversation.first_responder_id = responder.pk if responder else None
    data = sla.first_response_data(
        batch.expectations[conversation.workspace_id],
        channel_kind=conversation.channel_kind,
        priority=conversation.priority,
        started_at=conversation.started_at,
        due=conversation.due_at,
        responded_at=at,
        user_id=conversation.first_responder_id,
        expected=_expected(conversation),
        elsewhere=False,
    )
    # A measurement, not an act: the answer's own action (or the poll that read it) is what the trail keeps.
    batch.first_responses.append((conversation, data))


def _write(batch: _Batch) -> None:
    """One bulk statement per table (a few for the largest batches), in the order of the foreign keys."""
    now = batch.now
    opened = batch.opened
    # Keys reserved first (the batch's transaction holds them), rather than read back with RETURNING:
    # the rows then go in as plain inserts, which SQLite runs as one statement prepared once.
    for conversation, pk in zip(opened, bulk.reserve_ids(Conversation, len(opened)), strict=True):
        conversation.pk = pk
    bulk.insert(
        Conversation,
        ("id", *INSERTED),
        [
            (
                c.pk,
                c.workspace_id,
                c.root_id,
                c.channel_id,
                c.channel_kind,
                c.member_id,
                c.author_name,
                c.subject,
                c.preview,
                c.search_text,
                c.language,
                c.sentiment,
                c.state,
                c.priority,
                c.assignee_id,
                c.message_count,
                c.started_at,
                c.last_message_at,
                c.last_inbound_at,
                c.last_message_id,
                c.first_response_at,
                c.first_responder_id,
                c.due_at,
                c.due_sort,
                False,
                None,
                now,
            )
            for c in opened
        ],
    )
    bulk.insert(ConversationItem, ("conversation_id", "message_id"), [(c.pk, m) for c, m in batch.items])
    bulk.update(
        Conversation,
        UPDATED,
        [
            (
                c.message_count,
                c.last_message_at,
                c.last_inbound_at,
                c.last_message_id,
                c.preview,
                c.search_text,
                c.state,
                c.first_response_at,
                c.first_responder_id,
                c.due_sort,
                now,
                c.pk,
            )
            for c in batch.changed.values()
        ],
    )
    events: list[Event] = [
        (batch.workspaces[c.workspace_id], actor, verb, TARGET_TYPE, c.pk, data)
        for actor, verb, c, data in batch.events
    ]
    record_many(events)
    bulk.insert(
        FirstResponse,
        ("workspace_id", "conversation_id", "data", "recorded_at"),
        [(c.workspace_id, c.pk, data, now) for c, data in batch.first_responses],
    )
    notify_many([(user_id, c.workspace_id, c.pk, kind, text) for user_id, c, kind, text in batch.notices])
    if batch.opened:
        opened, workspaces = list(batch.opened), batch.workspaces
        transaction.on_commit(lambda: _announce_opened(opened, workspaces))


def _announce_opened(conversations: list[_Conversation], workspaces: Mapping[int, Workspace]) -> None:
    """conversation.opened for each conversation a batch opened, after it commits, and built only
    when a subscriber listens (a large import opens thousands)."""
    by_workspace: dict[int, list[_Conversation]] = {}
    for conversation in conversations:
        by_workspace.setdefault(conversation.workspace_id, []).append(conversation)
    for workspace_id, opened in by_workspace.items():
        workspace = workspaces[workspace_id]
        if not listened(workspace, "conversation.opened"):
            continue
        emit_many(
            workspace,
            [
                (
                    "conversation.opened",
                    {
                        "conversation_id": c.pk,
                        "subject": c.subject,
                        "url": absolute_url(workspace, "inbox:conversation", (c.pk,)),
                        "message_id": c.root_id,
                    },
                )
                for c in opened
            ],
        )

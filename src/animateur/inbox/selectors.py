"""Reads the inbox views and the API share; every query is filtered by workspace first."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import AuditEvent, Membership, User, Workspace
from animateur.inbox import search, sla
from animateur.inbox.models import (
    Conversation,
    ConversationTally,
    FirstResponse,
    Label,
    Note,
    NotificationPreference,
    SavedReply,
    SavedView,
    State,
)
from animateur.inbox.reply_handlers import REPLY_HANDLERS
from animateur.stream.models import Message

VIEWS = ("all", "new", "mine", "unassigned", "waiting", "closed")
SORTS = ("due", "recent", "oldest")
FILTER_KEYS = ("view", "channel", "label", "language", "sentiment", "q", "sort", "state", "assignee")


def conversations(workspace: Workspace) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace=workspace)


def get_conversation(workspace: Workspace, conversation_id: int | str) -> Conversation:
    """The conversation of this workspace, or 404 (never another workspace's)."""
    try:
        return Conversation.objects.select_related("workspace", "assignee", "root", "channel").get(
            workspace=workspace, pk=int(conversation_id)
        )
    except (Conversation.DoesNotExist, ValueError, TypeError):
        raise Http404("no such conversation") from None


def view_filter(view: str, user: User) -> Q:
    """Equality filters only, matching the leading columns of the Conversation indexes."""
    if view == "new":
        return Q(state=State.NEW)
    if view == "mine":
        return Q(assignee=user, is_open=1)
    if view == "unassigned":
        return Q(assignee__isnull=True, is_open=1)
    if view == "waiting":
        return Q(state=State.WAITING)
    if view == "closed":
        return Q(state=State.CLOSED)
    return Q(is_open=1)  # "all" is the work left: closed conversations have their own view


@dataclass
class Filters:
    view: str = "all"
    channel: str = ""
    label: str = ""
    language: str = ""
    sentiment: str = ""
    q: str = ""
    sort: str = "due"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Filters:
        view = params.get("view") or "all"
        sort = params.get("sort") or "due"
        return cls(
            view=view if view in VIEWS else "all",
            channel=(params.get("channel") or "")[:40],
            label=(params.get("label") or "")[:60],
            language=(params.get("language") or "")[:8],
            sentiment=(params.get("sentiment") or "")[:10],
            q=(params.get("q") or "").strip()[:200],
            sort=sort if sort in SORTS else "due",
        )

    def as_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in self.__dict__.items()
            if v and not (k == "view" and v == "all") and not (k == "sort" and v == "due")
        }


def filtered(workspace: Workspace, user: User, filters: Filters) -> QuerySet[Conversation]:
    qs = conversations(workspace).filter(view_filter(filters.view, user))
    if filters.channel:
        qs = qs.filter(channel_kind=filters.channel)
    if filters.label:
        qs = qs.filter(labels__workspace=workspace, labels__name=filters.label)
    if filters.language:
        qs = qs.filter(language=filters.language)
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.q:
        qs = search.matching(qs, filters.q, workspace.language)
    # Every ordering ends with the primary key, in the direction of the index that serves it.
    if filters.sort == "recent":
        qs = qs.order_by("-last_message_at", "-pk")
    elif filters.sort == "oldest":
        qs = qs.order_by("last_message_at", "pk")
    else:
        # Time left first: the most overdue on top; then answered or untargeted ones, newest first
        # (due_sort puts them after every due time).
        qs = qs.order_by("due_sort", "-last_message_at", "-pk")
    return qs


# Pages stop here: deeper than this, a filter or a search finds things faster than paging,
# and an OFFSET deep into a million rows costs what the index saved.
MAX_PAGE = 40
LIST_FIELDS = (
    "id",
    "workspace_id",
    "channel_kind",
    "author_name",
    "subject",
    "preview",
    "language",
    "sentiment",
    "state",
    "priority",
    "assignee_id",
    "message_count",
    "started_at",
    "last_message_at",
    "first_response_at",
    "due_at",
    "due_sort",
)


def page_of(qs: QuerySet[Conversation], page: int, per_page: int = 50) -> tuple[list[Conversation], bool]:
    """One page of the list: the denormalized columns only, with the assignee's and the channel's names
    joined; labels in one more query."""
    page = min(max(1, page), MAX_PAGE)
    rows = list(
        qs.only(*LIST_FIELDS, "assignee__id", "assignee__display_name", "assignee__email", "channel__name")
        .select_related("assignee", "channel")
        .prefetch_related("labels")[(page - 1) * per_page : page * per_page + 1]
    )
    return rows[:per_page], len(rows) > per_page and page < MAX_PAGE


def view_counts(workspace: Workspace, user: User) -> dict[str, int]:
    """Counts per view from the tally the database triggers keep: a few rows, whatever the inbox size."""
    counts = dict.fromkeys(VIEWS, 0)
    for state, assignee_id, n in ConversationTally.objects.filter(workspace_id=workspace.pk, n__gt=0).values_list(
        "state", "assignee_id", "n"
    ):
        if state == State.CLOSED:
            counts["closed"] += n
            continue
        counts["all"] += n
        if state == State.NEW:
            counts["new"] += n
        elif state == State.WAITING:
            counts["waiting"] += n
        if assignee_id == user.pk:
            counts["mine"] += n
        elif assignee_id == 0:
            counts["unassigned"] += n
    return counts


def new_count(workspace: Workspace) -> int:
    n = ConversationTally.objects.filter(workspace_id=workspace.pk, state=State.NEW).aggregate(n=Sum("n"))["n"]
    return int(n or 0)


def saved_views(workspace: Workspace, user: User) -> QuerySet[SavedView]:
    return SavedView.objects.filter(workspace=workspace).filter(Q(owner=user) | Q(owner__isnull=True))


def thread_messages(conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation_item__conversation=conversation)
        .select_related("author", "sent_by")
        .order_by("created_at", "pk")
    )


def notes(conversation: Conversation) -> QuerySet[Note]:
    return conversation.notes.select_related("author")


def history(conversation: Conversation) -> list[AuditEvent]:
    """What was done to the conversation, in order: its own audit events, the changes made to several
    conversations at once that named it, and the moment its first answer stopped the clock (a
    FirstResponse, shown as the event it once was; those older than that table are audit events)."""
    events = list(
        AuditEvent.objects.filter(
            workspace_id=conversation.workspace_id,
            target_type="inbox.conversation",
            target_id=str(conversation.pk),
        ).select_related("actor_user")
    )
    # Few (each is one person's click), so they are read since the conversation began and picked here.
    events += [
        event
        for event in AuditEvent.objects.filter(
            workspace_id=conversation.workspace_id,
            verb=AuditVerb.INBOX_CONVERSATIONS_BULK,
            created_at__gte=conversation.started_at,
        ).select_related("actor_user")
        if conversation.pk in (event.data or {}).get("conversations", ())
    ]
    first = FirstResponse.objects.filter(conversation=conversation).first()
    if first is not None and not any(e.verb == AuditVerb.INBOX_FIRST_RESPONSE for e in events):
        user_id = first.data.get("user")
        responder = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
        events.append(
            AuditEvent(
                workspace_id=conversation.workspace_id,
                actor_user=responder,
                actor=f"user:{user_id}" if isinstance(user_id, int) else "system:inbox",
                verb=AuditVerb.INBOX_FIRST_RESPONSE,
                created_at=first.recorded_at,
                data=first.data,
            )
        )
    return sorted(events, key=lambda e: (e.created_at, e.pk or 0))


def labels(workspace: Workspace) -> QuerySet[Label]:
    return Label.objects.filter(workspace=workspace)


def channel_kinds(workspace: Workspace) -> list[str]:
    from animateur.channels.models import Channel

    return sorted(set(Channel.objects.filter(workspace=workspace).values_list("kind", flat=True)))


def workers(workspace: Workspace) -> QuerySet[User]:
    return User.objects.filter(
        memberships__workspace=workspace,
        memberships__role__in=("owner", "manager", "moderator"),
        is_active=True,
    ).order_by("email")


def article_of(conversation: Conversation) -> tuple[str, str, bool] | None:
    """What a comment's conversation is about: title, address, and whether it is a post of our site
    (else a topic, a submission... at the source).

    None when the conversation starts the thread itself (a mention, a direct message, an email).
    """
    root = conversation.root
    if root.thread_root_id is None or root.thread_root_id == root.pk:
        return None
    thread_root = Message.objects.filter(pk=root.thread_root_id).only("pk", "title", "url").first()
    if thread_root is None:
        return None
    from animateur.space.models import Post
    from animateur.space.selectors import post_url, workspace_tz

    post = Post.objects.filter(message_id=thread_root.pk).select_related("workspace", "parent").first()
    if post is not None:
        # Inside a request, reverse() carries the /w/<slug>/ prefix of the workspace being browsed.
        return post.title, post_url(post, workspace_tz(post.workspace)), True
    if thread_root.title or thread_root.url:
        return thread_root.title or thread_root.url, thread_root.url, False
    return None


def expects_answer(conversation: Conversation) -> bool:
    """Whether the first-response clock runs for this conversation (the rule: sla.expects_answer)."""
    root_kind = Message.objects.filter(pk=conversation.root_id).values_list("kind", flat=True).first() or ""
    kind = conversation.channel_kind
    return sla.expects_answer(kind, root_kind, can_reply=kind in REPLY_HANDLERS)


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


def render_saved_reply(reply: SavedReply, conversation: Conversation | None, agent: User) -> str:
    values = {
        "member_name": (conversation.author_name if conversation else "") or _("there"),
        "workspace_name": (conversation.workspace.name if conversation else reply.workspace.name),
        "agent_name": agent.name,
    }
    return re.sub(r"\{(member_name|workspace_name|agent_name)\}", lambda m: values[m.group(1)], reply.body)


def email_mode(user: User) -> str:
    pref = NotificationPreference.objects.filter(user=user).values_list("email", flat=True).first()
    return pref or NotificationPreference.Email.IMMEDIATE

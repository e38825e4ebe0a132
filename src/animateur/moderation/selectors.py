"""Reads shared by moderation's views (and the API): the queue, an item's context, rules' figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from animateur.core.models import Workspace
from animateur.moderation.conditions import Subject, matches
from animateur.moderation.models import (
    Flag,
    MessageLabel,
    ReviewItem,
    ReviewReason,
    Rule,
    RuleHit,
    Sanction,
    WebhookDelivery,
)
from animateur.moderation.rules import strongest
from animateur.moderation.trust import TrustStats, member_stats, trust_level, trust_levels
from animateur.stream.models import Member, Message, Visibility


def queue(workspace: Workspace, *, reason: str = "", status: str = "open") -> QuerySet[ReviewItem]:
    items = ReviewItem.objects.filter(workspace=workspace)
    if status == "escalated":
        items = items.filter(status=ReviewItem.Status.ESCALATED)
    elif status == "open":
        items = items.filter(status__in=ReviewItem.OPEN)
    else:
        items = items.exclude(status__in=ReviewItem.OPEN)
    if reason:
        items = items.filter(reasons__kind=reason).distinct()
    return (
        items.select_related(
            "message",
            "message__channel",
            "message__author",
            "message__author__member",
            "escalated_to",
            "assignee",
        )
        .prefetch_related("reasons")
        .order_by("-score", "created_at", "id")
    )


def reason_counts(workspace: Workspace) -> list[tuple[str, int]]:
    rows = (
        ReviewReason.objects.filter(item__workspace=workspace, item__status__in=ReviewItem.OPEN)
        .values("kind")
        .annotate(n=Count("item", distinct=True))
        .order_by("-n", "kind")
    )
    return [(r["kind"], r["n"]) for r in rows]


def open_count(workspace: Workspace) -> int:
    return ReviewItem.objects.filter(workspace=workspace, status__in=ReviewItem.OPEN).count()


@dataclass
class AuthorHistory:
    member: Member | None
    trust: str
    stats: TrustStats
    recent: list[Message]
    sanctions: list[Sanction]


def author_history(workspace: Workspace, member: Member | None, *, limit: int = 8) -> AuthorHistory:
    if member is None:
        return AuthorHistory(None, "new", TrustStats(), [], [])
    stats = member_stats(workspace.pk, [member.pk]).get(member.pk, TrustStats())
    recent = list(
        Message.objects.filter(workspace=workspace, author__member=member)
        .select_related("channel")
        .order_by("-created_at")[:limit]
    )
    sanctions = list(Sanction.objects.filter(workspace=workspace, member=member))
    level = trust_levels(workspace.pk, [member.pk]).get(member.pk, "new")
    return AuthorHistory(member, level, stats, recent, sanctions)


def thread_context(message: Message, *, limit: int = 6) -> dict[str, Any]:
    """The message's ancestors (root first) and a few of its neighbours in the thread."""
    ancestors: list[Message] = []
    parent = message.parent
    while parent is not None and len(ancestors) < 10:
        ancestors.insert(0, parent)
        parent = parent.parent
    siblings = (
        list(
            Message.objects.filter(thread_root_id=message.thread_root_id, parent_id=message.parent_id)
            .exclude(pk=message.pk)
            .select_related("author")
            .order_by("-created_at")[:limit]
        )
        if message.parent_id
        else []
    )
    replies = list(message.replies.select_related("author").order_by("created_at")[:limit])
    return {"ancestors": ancestors, "siblings": siblings, "replies": replies}


# ------------------------------------------------------------------ rules


@dataclass
class RuleFigures:
    rule: Rule
    hits: int
    reversed: int

    @property
    def reversal_rate(self) -> float | None:
        return self.reversed / self.hits if self.hits else None


def rules_with_figures(workspace: Workspace) -> list[RuleFigures]:
    rules = (
        Rule.objects.filter(workspace=workspace)
        .annotate(n_hits=Count("hits"), n_reversed=Count("hits", filter=Q(hits__reversed_at__isnull=False)))
        .order_by("position", "id")
    )
    return [RuleFigures(r, r.n_hits, r.n_reversed) for r in rules]


def subjects_of(workspace: Workspace, messages: list[Message]) -> list[Subject]:
    """Stored messages seen as the rules see incoming ones (trust as it is today)."""
    tz = ZoneInfo(workspace.timezone or "UTC")
    member_ids = [m.author.member_id for m in messages if m.author is not None]
    levels = trust_levels(workspace.pk, member_ids)
    labels: dict[int, set[str]] = {}
    for message_id, label in MessageLabel.objects.filter(message__in=messages).values_list("message_id", "label"):
        labels.setdefault(message_id, set()).add(label)
    firsts = _first_messages(workspace, messages)
    return [
        Subject(
            text=m.raw.get("moderation_original", {}).get("text") or m.text,
            language=m.language,
            channel_id=m.channel_id,
            channel_kind=m.channel.kind,
            kind=m.kind,
            trust=levels.get(m.author.member_id, "new") if m.author is not None else "new",
            first_message=m.pk in firsts,
            labels=labels.get(m.pk, set()),
            spam=m.scores.get("spam"),
            toxicity=m.scores.get("toxicity"),
            sentiment=m.sentiment,
            created_at=m.created_at.astimezone(tz),
        )
        for m in messages
    ]


def _first_messages(workspace: Workspace, messages: list[Message]) -> set[int]:
    """Ids of the messages that were their author's first in the workspace."""
    authors = {m.author_id for m in messages if m.author_id}
    first_at = dict(
        Message.objects.filter(workspace=workspace, author_id__in=authors)
        .values("author_id")
        .annotate(first=Min("created_at"))
        .values_list("author_id", "first")
    )
    return {m.pk for m in messages if m.author_id and first_at.get(m.author_id) == m.created_at}


@dataclass
class DryRun:
    days: int
    examined: int
    matched: int
    by_action: dict[str, int]
    by_visibility: dict[str, int]
    would_change: int
    by_day: list[tuple[str, int]]
    samples: list[Message]


def dry_run(
    workspace: Workspace, rule_data: dict[str, Any], days: int = 7, *, limit: int = 20000, samples: int = 30
) -> DryRun:
    """What a rule (saved or not) would have matched among the stored messages of the last N days."""
    since = timezone.now() - timedelta(days=days)
    messages = list(
        Message.objects.filter(workspace=workspace, created_at__gte=since, from_organisation=False)
        .exclude(kind="post")
        .select_related("channel", "author")
        .order_by("-created_at")[:limit]
    )
    conditions, mode = rule_data.get("conditions") or [], rule_data.get("match") or "all"
    action = strongest(a.get("type", "") for a in rule_data.get("actions") or []) or "label"
    effect = {
        "delete": Visibility.TRASH,
        "spam": Visibility.SPAM,
        "hide": Visibility.HIDDEN,
        "hold": Visibility.PENDING,
        "approve": Visibility.VISIBLE,
    }.get(action)
    matched: list[Message] = []
    chunk = 500
    for start in range(0, len(messages), chunk):
        part = messages[start : start + chunk]
        for message, subject in zip(part, subjects_of(workspace, part), strict=True):
            if matches(subject, conditions, mode):
                matched.append(message)
    by_visibility: dict[str, int] = {}
    by_day: dict[str, int] = {}
    tz = ZoneInfo(workspace.timezone or "UTC")
    for m in matched:
        by_visibility[m.visibility] = by_visibility.get(m.visibility, 0) + 1
        day = m.created_at.astimezone(tz).date().isoformat()
        by_day[day] = by_day.get(day, 0) + 1
    would_change = sum(1 for m in matched if effect is not None and m.visibility != effect)
    return DryRun(
        days=days,
        examined=len(messages),
        matched=len(matched),
        by_action={a.get("type", ""): len(matched) for a in rule_data.get("actions") or []},
        by_visibility=by_visibility,
        would_change=would_change,
        by_day=sorted(by_day.items()),
        samples=matched[:samples],
    )


def rule_hits(rule: Rule, limit: int = 50) -> QuerySet[RuleHit]:
    return rule.hits.select_related("message", "message__channel", "message__author").order_by("-created_at")[:limit]


def webhook_deliveries(rule: Rule, limit: int = 30) -> list[WebhookDelivery]:
    """The rule's latest webhook calls, failures included, as its page lists them."""
    return list(rule.deliveries.select_related("message").order_by("-created_at", "-id")[:limit])


def saved_replies(workspace: Workspace) -> list[Any]:
    """The workspace's saved replies, which the rule form's auto-reply offers by title."""
    from animateur.inbox.models import SavedReply

    return list(SavedReply.objects.filter(workspace=workspace).order_by("title").only("pk", "title"))


def conversations_of(workspace: Workspace, message_ids: Iterable[int]) -> dict[int, Any]:
    """Each message's conversation in the inbox (where the team acts on it), for those that have one."""
    from animateur.inbox.models import ConversationItem

    items = ConversationItem.objects.filter(
        message_id__in=list(message_ids), conversation__workspace=workspace
    ).select_related("conversation")
    return {item.message_id: item.conversation for item in items}


FLAG_TRUST_WEIGHT = {"new": 0.2, "basic": 0.5, "member": 0.8, "regular": 1.0, "leader": 1.5}


def flag_weight(workspace: Workspace, member: Member | None) -> float:
    """A teammate's flag weighs 1; a member's, by trust and by how often their flags were upheld."""
    if member is None:
        return 1.0
    level = trust_level(workspace.pk, member.pk)
    past = Flag.objects.filter(workspace=workspace, by_member=member).exclude(outcome="")
    decided = past.count()
    upheld = past.filter(outcome=Flag.Outcome.UPHELD).count()
    return round(FLAG_TRUST_WEIGHT[level] * 2 * (upheld + 1) / (decided + 2), 3)

"""Moderation endpoints: the review queue as its page shows it and its decisions, past decisions and
their reversal on a message, flags, members' trust and sanctions, the trust levels' thresholds.
Rules and watched words are in animateur.api.moderation_rules, under the same prefix.

Reads go through moderation.selectors (the page's selection and order), writes through
moderation's actions (checked, one transaction, one audit event a message, events on commit).
Reasons keep their codes (kind, detail as stored) beside the words the page shows for them.
"""

# No `from __future__ import annotations`: ninja reads the body schema through `needs`, whose
# globals are the inbox module's, so the annotations must be classes, not strings.

import math
from datetime import datetime
from typing import Any

from django.db.models import CharField, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.core.ids import MAX_ID
from animateur.core.models import AuditEvent, Workspace
from animateur.moderation import labels, selectors
from animateur.moderation.actions.decisions import do_decide, do_escalate, do_moderate_messages
from animateur.moderation.actions.flags import do_flag_message
from animateur.moderation.actions.sanctions import do_lift_sanction, do_sanction_member
from animateur.moderation.actions.settings import do_update_moderation_settings
from animateur.moderation.decisions import DECISIONS
from animateur.moderation.models import ReviewItem, ReviewReason, Sanction
from animateur.moderation.prefs import (
    DEFAULT_SCORE_THRESHOLDS,
    TRUST_LEVELS,
    score_thresholds,
    settings_for,
    trust_thresholds,
)
from animateur.stream.models import Member, Message

router = Router(tags=["moderation"])

PAGE_SIZE = 50  # as the queue's page
STATUSES = ("open", "escalated", "done")
# What the queue's buttons offer: the decisions every page offers, and escalation to a manager.
QUEUE_DECISIONS = (*DECISIONS, "escalate")
# The words people use for two of them: publishing is approving, hiding is rejecting.
ALIASES = {"publish": "approve", "hide": "reject"}
EXCERPT = 280


class Errors(Schema):
    detail: str
    code: str = ""


class ReasonOut(Schema):
    kind: str  # rule, watched-word, spam-score, toxicity-score, flag, trust, first-comment, sanction, honeypot
    label: str
    source: str
    detail: str  # as stored (a code, or the team's own words: a rule's name, the words found)
    detail_text: str  # as the page shows it, in the reader's language
    score: float | None
    action: str
    action_label: str


class QueueMessageOut(Schema):
    id: int
    channel: str
    channel_kind: str
    author: str
    member_id: int | None
    excerpt: str
    url: str
    visibility: str
    created_at: datetime


class ItemOut(Schema):
    id: int
    status: str
    score: float
    created_at: datetime
    message: QueueMessageOut
    reasons: list[ReasonOut]
    # The message's scores as the pipeline read them: spam and toxicity in 0..1, sentiment a code.
    spam: float | None
    toxicity: float | None
    sentiment: str
    trust: str | None
    trust_label: str | None
    escalated_to: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class FilterOut(Schema):
    reason: str
    label: str
    count: int


class QueueOut(Schema):
    items: list[ItemOut]
    page: int
    has_more: bool
    open_count: int
    reasons: list[FilterOut]
    decisions: list[str]


class DecisionIn(Schema):
    decision: str
    note: str = ""  # for « escalate »: said to the manager


class DecisionOut(Schema):
    decision: str
    count: int
    item: ItemOut


def _reason(reason: ReviewReason) -> dict[str, Any]:
    return {
        "kind": reason.kind,
        "label": labels.reason_kind_label(reason.kind),
        "source": reason.source,
        "detail": reason.detail,
        "detail_text": labels.reason_text(reason.kind, reason.detail) if reason.detail else "",
        "score": reason.score,
        "action": reason.action,
        "action_label": labels.outcome_label(reason.action) if reason.action else "",
    }


def _score(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _item(item: ReviewItem) -> dict[str, Any]:
    message = item.message
    scores = message.scores if isinstance(message.scores, dict) else {}
    trust = scores.get("trust") if isinstance(scores.get("trust"), str) else None
    text = message.text or message.title
    return {
        "id": item.pk,
        "status": item.status,
        "score": item.score,
        "created_at": item.created_at,
        "message": {
            "id": message.pk,
            "channel": message.channel.name,
            "channel_kind": message.channel.kind,
            "author": message.author_name,
            "member_id": message.author.member_id if message.author is not None else None,
            "excerpt": text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…",
            "url": message.url,
            "visibility": message.visibility,
            "created_at": message.created_at,
        },
        "reasons": [_reason(r) for r in item.reasons.all()],
        "spam": _score(scores.get("spam")),
        "toxicity": _score(scores.get("toxicity")),
        "sentiment": message.sentiment,
        "trust": trust,
        "trust_label": labels.trust_label(trust) if trust else None,
        "escalated_to": item.escalated_to.email if item.escalated_to else None,
        "resolved_at": item.resolved_at,
        "resolved_by": item.resolved_by.email if item.resolved_by else None,
    }


def _unknown_decision(given: str, choices: tuple[str, ...]) -> dict[str, str]:
    detail = _("Unknown decision « %(decision)s »: %(choices)s.") % {"decision": given, "choices": ", ".join(choices)}
    return {"detail": detail, "code": "decision"}


def _get(request: TokenRequest, item_id: int) -> ReviewItem:
    """The item of the token's workspace, or 404: another workspace's item is not there."""
    if not 0 < item_id <= MAX_ID:
        raise Http404
    item = (
        ReviewItem.objects.filter(workspace=request.auth.workspace, pk=item_id)
        .select_related("message", "message__channel", "message__author", "escalated_to", "resolved_by", "workspace")
        .prefetch_related("reasons")
        .first()
    )
    if item is None:
        raise Http404
    return item


@router.get("/queue", response={200: QueueOut, 400: Errors})
@needs("moderation.review")
def queue(request: TokenRequest, reason: str = "", status: str = "open", page: int = 1) -> tuple[int, dict[str, Any]]:
    """The held items, highest score first (the page's order), filtered as its tabs filter them."""
    workspace = request.auth.workspace
    if status not in STATUSES:
        detail = _("Unknown status « %(status)s »: open, escalated or done.") % {"status": status}
        return 400, {"detail": detail, "code": "status"}
    if not 0 < page <= 10_000:
        return 400, {"detail": _("The page must be a number from 1 to 10000."), "code": "page"}
    start = (page - 1) * PAGE_SIZE
    rows = list(
        selectors.queue(workspace, reason=reason, status=status).select_related("resolved_by")[
            start : start + PAGE_SIZE + 1
        ]
    )
    return 200, {
        "items": [_item(i) for i in rows[:PAGE_SIZE]],
        "page": page,
        "has_more": len(rows) > PAGE_SIZE,
        "open_count": selectors.open_count(workspace),
        "reasons": [
            {"reason": kind, "label": labels.reason_kind_label(kind), "count": n}
            for kind, n in selectors.reason_counts(workspace)
        ],
        "decisions": list(QUEUE_DECISIONS),
    }


@router.get("/items/{int:item_id}", response=ItemOut)
@needs("moderation.review")
def item_detail(request: TokenRequest, item_id: int) -> dict[str, Any]:
    return _item(_get(request, item_id))


@router.post("/items/{int:item_id}/decide", response={200: DecisionOut, 400: Errors})
@needs("moderation.review")
def decide(request: TokenRequest, item_id: int, body: DecisionIn) -> tuple[int, dict[str, Any]]:
    """approve (or publish), reject (or hide), spam, delete, or escalate: the queue's own buttons."""
    item = _get(request, item_id)
    decision = ALIASES.get(body.decision, body.decision)
    if decision not in QUEUE_DECISIONS:
        return 400, _unknown_decision(body.decision, QUEUE_DECISIONS)
    try:
        if decision == "escalate":
            count = do_escalate([item], note=body.note, actor=request.auth.user)
        else:
            count = do_decide([item], decision, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 200, {"decision": decision, "count": count, "item": _item(_get(request, item_id))}


# ------------------------------------------------------------------ a message's decisions and their reversal

DECISION_VERBS = tuple(f"moderation.{d}" for d in QUEUE_DECISIONS)
HISTORY_PAGE = 50


class DecisionRecordOut(Schema):
    id: int
    decision: str  # approve, reject, spam, delete, escalate
    message_id: int | None
    review_item: int | None
    previous_visibility: str | None
    visibility: str | None
    by: str  # the teammate's email, or system:<component>
    note: str  # an escalation's words to the manager
    reasons: list[str]  # why the message was held (the review item's reason kinds), when it was
    at: datetime


class SanctionOut(Schema):
    id: int
    kind: str
    kind_label: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    active: bool
    by: str | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str


class StatsOut(Schema):
    approved: int
    rejected: int
    days_active: int
    upheld_flags: int


class RecentOut(Schema):
    id: int
    excerpt: str
    visibility: str
    created_at: datetime


class AuthorOut(Schema):
    member_id: int | None
    name: str
    trust: str
    trust_label: str
    stats: StatsOut
    sanctions: list[SanctionOut]
    recent: list[RecentOut]


class MessageOut(Schema):
    message: QueueMessageOut
    item: ItemOut | None
    decisions: list[DecisionRecordOut]
    author: AuthorOut


class HistoryOut(Schema):
    decisions: list[DecisionRecordOut]
    page: int
    has_more: bool


class MessageDecisionIn(Schema):
    decision: str


class MessageDecisionOut(Schema):
    decision: str
    count: int
    message: MessageOut


def _excerpt(message: Message) -> str:
    text = message.text or message.title
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "channel": message.channel.name,
        "channel_kind": message.channel.kind,
        "author": message.author_name,
        "member_id": message.author.member_id if message.author is not None else None,
        "excerpt": _excerpt(message),
        "url": message.url,
        "visibility": message.visibility,
        "created_at": message.created_at,
    }


def _records(events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Decisions as their audit events keep them, with why the message was held (its item's reasons)."""
    item_ids = {e.data.get("review_item") for e in events if isinstance(e.data.get("review_item"), int)}
    kinds: dict[int, list[str]] = {}
    for held_id, kind in ReviewReason.objects.filter(item_id__in=item_ids).values_list("item_id", "kind"):
        if kind not in kinds.setdefault(held_id, []):
            kinds[held_id].append(kind)
    rows = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        item_id = data.get("review_item") if isinstance(data.get("review_item"), int) else None
        rows.append(
            {
                "id": event.pk,
                "decision": event.verb.removeprefix("moderation."),
                "message_id": int(event.target_id) if event.target_id.isdecimal() else None,
                "review_item": item_id,
                "previous_visibility": data.get("from"),
                "visibility": data.get("to"),
                "by": event.actor_user.email if event.actor_user else event.actor,
                "note": str(data.get("note") or ""),
                "reasons": kinds.get(item_id, []) if item_id else [],
                "at": event.created_at,
            }
        )
    return rows


def _decision_events(workspace_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        workspace_id=workspace_id, verb__in=DECISION_VERBS, target_type=Message._meta.label_lower
    ).select_related("actor_user")


def _sanction(sanction: Sanction) -> dict[str, Any]:
    return {
        "id": sanction.pk,
        "kind": sanction.kind,
        "kind_label": str(sanction.get_kind_display()),
        "reason": sanction.reason,
        "starts_at": sanction.starts_at,
        "ends_at": sanction.ends_at,
        "active": sanction.is_active(),
        "by": sanction.created_by.email if sanction.created_by else None,
        "lifted_at": sanction.lifted_at,
        "lifted_by": sanction.lifted_by.email if sanction.lifted_by else None,
        "lift_reason": sanction.lift_reason,
    }


def _author(workspace: Workspace, member: Member | None, *, name: str = "", limit: int = 8) -> dict[str, Any]:
    """What the pages show beside a message and on a member's page: trust level, its figures, sanctions."""
    history = selectors.author_history(workspace, member, limit=limit)
    return {
        "member_id": member.pk if member else None,
        "name": member.display_name if member else name,
        "trust": history.trust,
        "trust_label": labels.trust_label(history.trust),
        "stats": {
            "approved": history.stats.approved,
            "rejected": history.stats.rejected,
            "days_active": history.stats.days_active,
            "upheld_flags": history.stats.upheld_flags,
        },
        "sanctions": [_sanction(s) for s in history.sanctions],
        "recent": [
            {"id": m.pk, "excerpt": _excerpt(m), "visibility": m.visibility, "created_at": m.created_at}
            for m in history.recent
        ],
    }


def _found(model: type[Any], workspace: Workspace, pk: int, *related: str) -> Any:
    """The workspace's row, or 404: an absurd id or another workspace's row is not there."""
    if not 0 < pk <= MAX_ID:
        raise Http404
    row = model.objects.filter(workspace=workspace, pk=pk).select_related(*related).first()
    if row is None:
        raise Http404
    return row


def _message_page(workspace: Workspace, message: Message) -> dict[str, Any]:
    item = (
        ReviewItem.objects.filter(message=message)
        .select_related("message", "message__channel", "message__author", "escalated_to", "resolved_by")
        .prefetch_related("reasons")
        .first()
    )
    events = list(_decision_events(workspace.pk).filter(target_id=str(message.pk)).order_by("-created_at", "-id"))
    member = message.author.member if message.author is not None else None
    return {
        "message": _message(message),
        "item": _item(item) if item else None,
        "decisions": _records(events),
        "author": _author(workspace, member, name=message.author_name),
    }


def _get_message(request: TokenRequest, message_id: int) -> Message:
    return _found(Message, request.auth.workspace, message_id, "channel", "author", "author__member", "workspace")


@router.get("/decisions", response={200: HistoryOut, 400: Errors})
@needs("moderation.review")
def decisions(
    request: TokenRequest, member_id: int | None = None, decision: str = "", page: int = 1
) -> tuple[int, dict[str, Any]]:
    """Past decisions, newest first: who decided what on which message, from which visibility to which."""
    workspace = request.auth.workspace
    if not 0 < page <= 10_000:
        return 400, {"detail": _("The page must be a number from 1 to 10000."), "code": "page"}
    events = _decision_events(workspace.pk)
    if decision:
        decision = ALIASES.get(decision, decision)
        if decision not in QUEUE_DECISIONS:
            detail = _("Unknown decision « %(decision)s »: %(choices)s.") % {
                "decision": decision,
                "choices": ", ".join(QUEUE_DECISIONS),
            }
            return 400, {"detail": detail, "code": "decision"}
        events = events.filter(verb=f"moderation.{decision}")
    if member_id is not None:
        member = _found(Member, workspace, member_id)
        # An audit event names its message by its id as text.
        ids = (
            Message.objects.filter(workspace=workspace, author__member=member)
            .annotate(as_text=Cast("pk", CharField()))
            .values("as_text")
        )
        events = events.filter(target_id__in=Subquery(ids))
    start = (page - 1) * HISTORY_PAGE
    rows = list(events.order_by("-created_at", "-id")[start : start + HISTORY_PAGE + 1])
    return 200, {"decisions": _records(rows[:HISTORY_PAGE]), "page": page, "has_more": len(rows) > HISTORY_PAGE}


@router.get("/messages/{int:message_id}", response=MessageOut)
@needs("moderation.review")
def message_detail(request: TokenRequest, message_id: int) -> dict[str, Any]:
    """A message as its moderation page shows it: its item, its decisions, its author's trust."""
    return _message_page(request.auth.workspace, _get_message(request, message_id))


@router.post("/messages/{int:message_id}/decide", response={200: MessageDecisionOut, 400: Errors})
@needs("moderation.review")
def decide_message(request: TokenRequest, message_id: int, body: MessageDecisionIn) -> tuple[int, dict[str, Any]]:
    """A decision on any message, in the queue or not: reverses an earlier one (publish what was hidden)."""
    message = _get_message(request, message_id)
    decision = ALIASES.get(body.decision, body.decision)
    if decision not in DECISIONS:
        return 400, _unknown_decision(body.decision, DECISIONS)
    try:
        count = do_moderate_messages([message], decision, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    message = _get_message(request, message_id)
    return 200, {"decision": decision, "count": count, "message": _message_page(request.auth.workspace, message)}


# ------------------------------------------------------------------ members: trust and sanctions


class SanctionIn(Schema):
    kind: str  # warn, mute, ban
    reason: str
    days: int | None = None  # empty: until lifted


class LiftIn(Schema):
    reason: str = ""


class SanctionDoneOut(Schema):
    sanction: SanctionOut
    rejected_held: int
    author: AuthorOut


@router.get("/members/{int:member_id}", response=AuthorOut)
@needs("moderation.review")
def member_detail(request: TokenRequest, member_id: int) -> dict[str, Any]:
    """A member as the moderation page shows them: trust level and its figures, sanctions, 30 messages."""
    workspace = request.auth.workspace
    return _author(workspace, _found(Member, workspace, member_id), limit=30)


@router.post("/members/{int:member_id}/sanctions", response={201: SanctionDoneOut, 400: Errors})
@needs("moderation.sanction")
def sanction(request: TokenRequest, member_id: int, body: SanctionIn) -> tuple[int, dict[str, Any]]:
    """Warn, mute or ban (a ban rejects what the member still has in the queue)."""
    workspace = request.auth.workspace
    member = _found(Member, workspace, member_id, "workspace")
    if body.days is not None and not 0 < body.days <= 36_500:
        return 400, {
            "detail": _("The duration is a number of days from 1 to 36500 (or empty: until lifted)."),
            "code": "days",
        }
    try:
        done = do_sanction_member(member, body.kind, body.reason, body.days, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 201, {
        "sanction": _sanction(Sanction.objects.select_related("created_by", "lifted_by").get(pk=done.pk)),
        "rejected_held": done.rejected_held,
        "author": _author(workspace, member, limit=30),
    }


@router.post("/sanctions/{int:sanction_id}/lift", response={200: SanctionOut, 400: Errors})
@needs("moderation.sanction")
def lift(request: TokenRequest, sanction_id: int, body: LiftIn) -> tuple[int, dict[str, Any]]:
    found = _found(Sanction, request.auth.workspace, sanction_id, "workspace", "member")
    try:
        do_lift_sanction(found, body.reason, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 200, _sanction(Sanction.objects.select_related("created_by", "lifted_by").get(pk=found.pk))


# ------------------------------------------------------------------ settings: the trust levels' thresholds

THRESHOLD_KEYS = ("approved", "days_active", "max_upheld_flags")


class SettingsOut(Schema):
    trust_levels: list[str]
    trust_thresholds: dict[str, dict[str, int]]
    site_hold_below: str
    spam_trusted_from: str
    trusted_link_hosts: list[str]
    score_thresholds: dict[str, float]
    flag_hold_weight: float


class SettingsIn(Schema):
    """Only what is given changes; a level's thresholds replace that level's."""

    trust_thresholds: dict[str, dict[str, int]] | None = None
    site_hold_below: str | None = None
    spam_trusted_from: str | None = None
    trusted_link_hosts: list[str] | None = None
    score_thresholds: dict[str, float] | None = None
    flag_hold_weight: float | None = None


def _settings(workspace: Workspace) -> dict[str, Any]:
    row = settings_for(workspace)
    return {
        "trust_levels": list(TRUST_LEVELS),
        "trust_thresholds": trust_thresholds(row),
        "site_hold_below": row.site_hold_below,
        "spam_trusted_from": row.spam_trusted_from,
        "trusted_link_hosts": list(row.trusted_link_hosts or []),
        "score_thresholds": score_thresholds(row),
        "flag_hold_weight": row.flag_hold_weight,
    }


def _settings_problem(body: SettingsIn) -> str:
    """What the action cannot say itself: keys it would keep though no level reads them, absurd numbers."""
    for level, values in (body.trust_thresholds or {}).items():
        unknown = sorted(set(values) - set(THRESHOLD_KEYS))
        if unknown or any(not 0 <= v <= 1_000_000 for v in values.values()):
            return _("The thresholds of « %(level)s » are numbers from 0 to 1000000 named %(keys)s.") % {
                "level": level,
                "keys": ", ".join(THRESHOLD_KEYS),
            }
    unknown = sorted(set(body.score_thresholds or {}) - set(DEFAULT_SCORE_THRESHOLDS))
    if unknown:
        return _("Unknown score threshold « %(name)s »: %(choices)s.") % {
            "name": unknown[0],
            "choices": ", ".join(DEFAULT_SCORE_THRESHOLDS),
        }
    if any(not math.isfinite(v) for v in (body.score_thresholds or {}).values()):
        return _("Score thresholds are between 0 and 1.")
    if body.flag_hold_weight is not None and not (
        math.isfinite(body.flag_hold_weight) and body.flag_hold_weight <= 1000
    ):
        return _("The flag weight that holds a message is a number from 0 to 1000.")
    return ""


@router.get("/settings", response=SettingsOut)
@needs("moderation.rules.edit")
def settings_detail(request: TokenRequest) -> dict[str, Any]:
    """The trust levels' thresholds (every level with its needs, defaults filled in) and the scores'."""
    return _settings(request.auth.workspace)


@router.put("/settings", response={200: SettingsOut, 400: Errors})
@needs("moderation.rules.edit")
def settings_update(request: TokenRequest, body: SettingsIn) -> tuple[int, dict[str, Any]]:
    """Change what authors need to reach each trust level (and the other settings of the page)."""
    problem = _settings_problem(body)
    if problem:
        return 400, {"detail": problem, "code": "invalid"}
    workspace = request.auth.workspace
    merged = None
    if body.trust_thresholds is not None:
        merged = trust_thresholds(settings_for(workspace))
        for level, values in body.trust_thresholds.items():
            merged.setdefault(level, {}).update(values)
    try:
        do_update_moderation_settings(
            workspace,
            trust_thresholds=merged,
            site_hold_below=body.site_hold_below,
            spam_trusted_from=body.spam_trusted_from,
            trusted_link_hosts=body.trusted_link_hosts,
            score_thresholds={**score_thresholds(settings_for(workspace)), **body.score_thresholds}
            if body.score_thresholds is not None
            else None,
            flag_hold_weight=body.flag_hold_weight,
            actor=request.auth.user,
        )
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 200, _settings(workspace)


# ------------------------------------------------------------------ flags


class FlagIn(Schema):
    reason: str = ""


class FlagOut(Schema):
    id: int
    reason: str
    weight: float
    visibility: str  # the message's after the flag: pending once the flags weigh enough


@router.post("/messages/{int:message_id}/flag", response={201: FlagOut, 400: Errors})
@needs("stream.read")
def flag_message(request: TokenRequest, message_id: int, body: FlagIn) -> tuple[int, dict[str, Any]]:
    """Flag a message for the moderators, as any teammate can from its page."""
    message = _get_message(request, message_id)
    try:
        flag = do_flag_message(message, body.reason, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    message.refresh_from_db(fields=["visibility"])
    return 201, {"id": flag.pk, "reason": flag.reason, "weight": flag.weight, "visibility": message.visibility}

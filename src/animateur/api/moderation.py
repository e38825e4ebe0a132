"""Moderation endpoints: the review queue as its page shows it, and the page's decisions on an item.

Reads go through moderation.selectors (the page's selection and order), writes through
moderation's actions (checked, one transaction, one audit event a message, events on commit).
Reasons keep their codes (kind, detail as stored) beside the words the page shows for them.
"""

# No `from __future__ import annotations`: ninja reads the body schema through `needs`, whose
# globals are the inbox module's, so the annotations must be classes, not strings.

from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.core.ids import MAX_ID
from animateur.moderation import labels, selectors
from animateur.moderation.actions.decisions import do_decide, do_escalate
from animateur.moderation.decisions import DECISIONS
from animateur.moderation.models import ReviewItem, ReviewReason

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
        detail = _("Unknown decision « %(decision)s »: %(choices)s.") % {
            "decision": body.decision,
            "choices": ", ".join(QUEUE_DECISIONS),
        }
        return 400, {"detail": detail, "code": "decision"}
    try:
        if decision == "escalate":
            count = do_escalate([item], note=body.note, actor=request.auth.user)
        else:
            count = do_decide([item], decision, actor=request.auth.user)
    except ActionError as exc:
        return 400, {"detail": str(exc), "code": "refused"}
    return 200, {"decision": decision, "count": count, "item": _item(_get(request, item_id))}

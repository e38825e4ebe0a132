"""Putting messages in the review queue (from the pipeline and from flags)."""

from __future__ import annotations

from collections.abc import Iterable

from animateur.moderation.models import ReviewItem, ReviewReason
from animateur.stream.items import Reason
from animateur.stream.models import Message


def _kind(source: str) -> str:
    return source.split(":", 1)[0]


def enqueue(message: Message, reasons: Iterable[Reason]) -> ReviewItem:
    """The message's open review item (created or reopened), with these reasons added."""
    item, created = ReviewItem.objects.get_or_create(
        message=message, defaults={"workspace_id": message.workspace_id}
    )
    if not created and not item.is_open:
        item.status = ReviewItem.Status.PENDING
        item.resolved_at = None
        item.resolved_by = None
    rows = [
        ReviewReason(
            item=item,
            kind=_kind(r.source),
            source=r.source[:80],
            detail=(r.detail or "")[:500],
            score=r.score,
            action=r.action[:20],
        )
        for r in reasons
    ]
    ReviewReason.objects.bulk_create(rows)
    item.score = item.score + sum(1.0 if r.score is None else float(r.score) for r in rows)
    item.save()
    return item

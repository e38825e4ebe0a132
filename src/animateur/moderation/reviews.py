"""Putting messages in the review queue (from the pipeline and from flags)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from animateur.moderation.models import ReviewItem, ReviewReason
from animateur.stream.items import Reason
from animateur.stream.models import Message


def _kind(source: str) -> str:
    return source.split(":", 1)[0]


def enqueue(message: Message, reasons: Iterable[Reason]) -> ReviewItem:
    """The message's open review item (created or reopened), with these reasons added."""
    return enqueue_many([(message, list(reasons))])[message.pk]


def enqueue_many(entries: Sequence[tuple[Message, list[Reason]]]) -> dict[int, ReviewItem]:
    """`enqueue` for a batch in a fixed number of queries: one read, then bulk writes.

    Returns each message's review item by message id. A message named twice gets all its reasons.
    """
    if not entries:
        return {}
    wanted: dict[int, tuple[Message, list[Reason]]] = {}
    for message, reasons in entries:
        if message.pk in wanted:
            wanted[message.pk][1].extend(reasons)
        else:
            wanted[message.pk] = (message, list(reasons))
    items = {item.message_id: item for item in ReviewItem.objects.filter(message_id__in=list(wanted))}
    known = list(items.values())
    for item in known:
        if not item.is_open:
            item.status = ReviewItem.Status.PENDING
            item.resolved_at = None
            item.resolved_by = None
    fresh: list[ReviewItem] = []
    rows: list[ReviewReason] = []
    for pk, (message, reasons) in wanted.items():
        existing = items.get(pk)
        if existing is None:
            item = items[pk] = ReviewItem(message=message, workspace_id=message.workspace_id)
            fresh.append(item)
        else:
            item = existing
        added = [
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
        item.score = item.score + sum(1.0 if r.score is None else float(r.score) for r in added)
        rows.extend(added)
    if fresh:
        ReviewItem.objects.bulk_create(fresh, batch_size=500)
    if known:
        ReviewItem.objects.bulk_update(known, ["status", "score", "resolved_at", "resolved_by"], batch_size=500)
    if rows:
        ReviewReason.objects.bulk_create(rows, batch_size=500)
    return items

"""Response-time targets: which target applies to a conversation, and when its answer is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from animateur.core.models import Workspace
from animateur.inbox import business_time
from animateur.inbox.models import Holiday, ResponseTarget


def calendar_for(workspace: Workspace) -> business_time.Calendar:
    try:
        hours = business_time.parse_hours(workspace.business_hours or {})
    except ValueError:
        hours = {}  # a broken setting must not stop the inbox; the settings form refuses it anyway
    holidays = frozenset(Holiday.objects.filter(workspace=workspace).values_list("date", flat=True))
    return business_time.Calendar(timezone=workspace.timezone, hours=hours, holidays=holidays)


def target_for(
    workspace: Workspace, channel_kind: str, priority: str, targets: list[ResponseTarget] | None = None
) -> ResponseTarget | None:
    """The most specific target: channel and priority, then channel, then priority, then the default."""
    if targets is None:
        targets = list(ResponseTarget.objects.filter(workspace=workspace))
    best, best_score = None, -1
    for target in targets:
        if target.channel_kind and target.channel_kind != channel_kind:
            continue
        if target.priority and target.priority != priority:
            continue
        score = (2 if target.channel_kind else 0) + (1 if target.priority else 0)
        if score > best_score:
            best, best_score = target, score
    return best


def due_at(
    calendar: business_time.Calendar, target: ResponseTarget | None, started_at: datetime
) -> datetime | None:
    if target is None:
        return None
    if target.business_hours:
        return business_time.add_business_seconds(calendar, started_at, target.minutes * 60)
    return started_at + timedelta(minutes=target.minutes)

"""Response-time targets: whether an answer is expected, which target applies, and when it is due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from animateur.core.models import Workspace
from animateur.inbox import business_time
from animateur.inbox.models import Holiday, ResponseTarget
from animateur.stream.models import Kind

# Channel kinds whose every item is somebody else's publication, whatever kind the connector gives
# it (a feed's entries come in as mentions: they name the brand, they do not address us).
FEED_KINDS = frozenset({"rss"})


def expects_answer(channel_kind: str, root_kind: str, *, can_reply: bool) -> bool:
    """Whether the first-response clock runs for a conversation: is somebody waiting for our answer?

    A publication we hear of is something to read, not a question put to the team: a feed's
    articles, and a post (Kind.POST) read through a channel we cannot answer on from animateur
    (a Reddit submission, a post in an imported file). Such a conversation is in the inbox like
    any other, but with no due time: no warning, never late, and no target in the response-time
    figures if somebody answers it anyway. Comments, replies, mentions, direct messages and emails
    expect an answer on every channel: where animateur cannot reply, the team answers at the source
    and marks the conversation answered elsewhere.
    """
    if channel_kind in FEED_KINDS:
        return False
    return can_reply or root_kind != Kind.POST


def _calendar(workspace: Workspace, holidays: Iterable[Any]) -> business_time.Calendar:
    try:
        hours = business_time.parse_hours(workspace.business_hours or {})
    except ValueError:
        hours = {}  # a broken setting must not stop the inbox; the settings form refuses it anyway
    return business_time.Calendar(timezone=workspace.timezone, hours=hours, holidays=frozenset(holidays))


def calendar_for(workspace: Workspace) -> business_time.Calendar:
    return _calendar(workspace, Holiday.objects.filter(workspace=workspace).values_list("date", flat=True))


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


def due_at(calendar: business_time.Calendar, target: ResponseTarget | None, started_at: datetime) -> datetime | None:
    if target is None:
        return None
    if target.business_hours:
        return business_time.add_business_seconds(calendar, started_at, target.minutes * 60)
    return started_at + timedelta(minutes=target.minutes)


@dataclass(frozen=True)
class Expectations:
    """A workspace's business calendar and targets, read once and used for many conversations."""

    workspace: Workspace
    calendar: business_time.Calendar
    targets: tuple[ResponseTarget, ...]

    def target(self, channel_kind: str, priority: str, *, expected: bool = True) -> ResponseTarget | None:
        if not expected:
            return None
        return target_for(self.workspace, channel_kind, priority, list(self.targets))

    def due_at(
        self, channel_kind: str, priority: str, started_at: datetime, *, expected: bool = True
    ) -> datetime | None:
        return due_at(self.calendar, self.target(channel_kind, priority, expected=expected), started_at)


def expectations_for(workspaces: Iterable[Workspace]) -> dict[int, Expectations]:
    """Every workspace's expectations in two queries, however many workspaces."""
    by_id = {w.pk: w for w in workspaces}
    holidays: dict[int, list[Any]] = {pk: [] for pk in by_id}
    for workspace_id, day in Holiday.objects.filter(workspace_id__in=by_id).values_list("workspace_id", "date"):
        holidays[workspace_id].append(day)
    targets: dict[int, list[ResponseTarget]] = {pk: [] for pk in by_id}
    for target in ResponseTarget.objects.filter(workspace_id__in=by_id):
        targets[target.workspace_id].append(target)
    return {
        pk: Expectations(workspace, _calendar(workspace, holidays[pk]), tuple(targets[pk]))
        for pk, workspace in by_id.items()
    }


def first_response_data(
    expectations: Expectations,
    *,
    channel_kind: str,
    priority: str,
    started_at: datetime,
    due: datetime | None,
    responded_at: datetime,
    user_id: int | None,
    expected: bool,
    elsewhere: bool,
) -> dict[str, Any]:
    """What the response-time page is computed from (a FirstResponse row): frozen at the time."""
    calendar = expectations.calendar
    target = expectations.target(channel_kind, priority, expected=expected)
    return {
        "channel": channel_kind,
        "priority": priority,
        "user": user_id,
        "started_at": started_at.isoformat(),
        "responded_at": responded_at.isoformat(),
        "seconds": (responded_at - started_at).total_seconds(),
        "business_seconds": business_time.business_seconds_between(calendar, started_at, responded_at),
        "in_hours": business_time.is_open(calendar, started_at),
        "target_minutes": target.minutes if target else None,
        "within_target": (responded_at <= due) if due else None,
        "elsewhere": elsewhere,
    }

"""The reads publishing's pages and API share: the calendar's publications between two times."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from animateur.core.models import Workspace
from animateur.publishing.models import Publication, PublicationTarget

VIEWS = ("month", "week", "list")
LIST_DAYS = 30


def workspace_tz(workspace: Workspace) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(workspace.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


@dataclass
class Entry:
    pk: int
    text: str
    state: str
    state_label: str
    at: datetime  # local time
    channels: list[str] = field(default_factory=list)
    href: str = ""

    @property
    def movable(self) -> bool:
        return self.state not in ("published", "sending")

    def row(self) -> SafeString:
        """The entry as the list view shows it (one table row), built here for the same reason as cell."""
        return SafeString(
            f'<tr data-publication="{self.pk}" data-state="{escape(self.state)}"><td>'
            f"{escape(date_format(self.at, 'DATETIME_FORMAT'))}</td>"
            f'<td><a href="{escape(self.href)}">{escape(self.text)}</a></td>'
            f"<td>{escape(', '.join(self.channels))}</td><td>{escape(self.state_label)}</td></tr>"
        )

    def cell(self, can_move: bool) -> SafeString:
        """The entry as the month and week views show it: built here once rather than by the template
        language, a thousand times a month (its p95 is the issue's target)."""
        short = self.text if len(self.text) <= 40 else self.text[:39] + "…"
        drag = ' draggable="true"' if can_move and self.movable else ""
        return SafeString(
            f'<li data-publication="{self.pk}" data-state="{escape(self.state)}" class="state-{escape(self.state)}"'
            f'{drag}><a href="{escape(self.href)}"><time>{self.at:%H:%M}</time> {escape(short)}</a> '
            f"<small>{escape(', '.join(self.channels))} · {escape(self.state_label)}</small></li>"
        )


@dataclass
class Day:
    day: date
    in_period: bool
    entries: list[Entry] = field(default_factory=list)
    html: SafeString = SafeString("")

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first day shown, day after the last shown, previous anchor, next anchor) of a view around `anchor`."""
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=7), anchor - timedelta(days=7), anchor + timedelta(days=7)
    if view == "list":
        return (
            anchor,
            anchor + timedelta(days=LIST_DAYS),
            anchor - timedelta(days=LIST_DAYS),
            anchor + timedelta(days=LIST_DAYS),
        )
    first = anchor.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    start = first - timedelta(days=first.weekday())  # whole weeks, Monday first
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    return start, end, previous, following


def entries_between(workspace: Workspace, start: datetime, end: datetime) -> list[Entry]:
    """The publications with a time in [start, end): drafts with a time, awaiting, scheduled, published,
    failed; three queries, whatever their number."""
    tz = workspace_tz(workspace)
    rows = list(
        Publication.objects.filter(workspace=workspace, scheduled_at__gte=start, scheduled_at__lt=end)
        .order_by("scheduled_at", "pk")
        .values_list("pk", "text", "state", "scheduled_at")
    )
    names: dict[int, list[str]] = defaultdict(list)
    targets = PublicationTarget.objects.filter(
        publication__workspace=workspace, publication__scheduled_at__gte=start, publication__scheduled_at__lt=end
    ).values_list("publication_id", "channel__name")
    for publication_id, name in targets.order_by("channel__name"):
        names[publication_id].append(name)
    labels = {key: str(label) for key, label in Publication._meta.get_field("state").choices or []}
    href = reverse("publishing:publication", args=(0,)).replace("/0/", "/{}/")
    return [
        Entry(
            pk,
            text[:80],
            state,
            labels.get(state, state),
            timezone.localtime(at, tz) if at else timezone.now(),
            names[pk],
            href.format(pk),
        )
        for pk, text, state, at in rows
    ]


def calendar(workspace: Workspace, view: str, anchor: date, *, can_move: bool = False) -> tuple[list[Day], date, date]:
    """The days of the view, each with its publications; and the previous and next anchors."""
    tz = workspace_tz(workspace)
    first, end, previous, following = period(view, anchor)
    start_at = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end_at = datetime.combine(end, datetime.min.time(), tzinfo=tz)
    days = {first + timedelta(days=n): Day(first + timedelta(days=n), True) for n in range((end - first).days)}
    if view == "month":
        for day in days.values():
            day.in_period = day.day.month == anchor.month
    for entry in entries_between(workspace, start_at, end_at):
        found = days.get(entry.at.date())
        if found is not None:
            found.entries.append(entry)
    for day in days.values():
        if view == "list":
            day.html = SafeString("".join(entry.row() for entry in day.entries))
        else:
            day.html = SafeString("".join(entry.cell(can_move) for entry in day.entries))
    return list(days.values()), previous, following


def unscheduled(workspace: Workspace, limit: int = 50) -> list[Publication]:
    """Drafts without a time: the calendar lists them beside it, to be given one."""
    return list(
        Publication.objects.filter(workspace=workspace, scheduled_at__isnull=True).order_by("-updated_at")[:limit]
    )


# Best hours: when the audience answers, read from the stream.
BEST_HOURS_DAYS = 90
BEST_HOURS_SAMPLE = 20_000
BEST_HOURS_TOP = 3
# Fewer answers than this say nothing yet: no suggestion rather than a made-up one.
BEST_HOURS_LEAST = 10


@dataclass(frozen=True)
class BestHour:
    weekday: int  # 0 Monday … 6 Sunday, in the workspace's time zone
    hour: int
    answers: int
    share: float  # of the answers counted


def best_hours(
    workspace: Workspace,
    *,
    channel_id: int | None = None,
    now: datetime | None = None,
    days: int = BEST_HOURS_DAYS,
    top: int = BEST_HOURS_TOP,
) -> tuple[list[BestHour], int]:
    """The weekly hours (workspace's time zone) at which the audience answered most over the last `days`:
    the answers (replies and comments, not the team's) of the stream, at most the newest
    BEST_HOURS_SAMPLE of them; with the number of answers counted. Empty below BEST_HOURS_LEAST answers."""
    from animateur.stream.models import Kind, Message

    now = now or timezone.now()
    found = Message.objects.filter(
        workspace=workspace,
        created_at__gte=now - timedelta(days=days),
        created_at__lte=now,
        from_organisation=False,
        kind__in=(Kind.REPLY, Kind.COMMENT),
    )
    if channel_id is not None:
        found = found.filter(channel_id=channel_id)
    times = list(found.order_by("-created_at").values_list("created_at", flat=True)[:BEST_HOURS_SAMPLE])
    if len(times) < BEST_HOURS_LEAST:
        return [], len(times)
    tz = workspace_tz(workspace)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for at in times:
        local = at.astimezone(tz)
        counts[(local.weekday(), local.hour)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    total = len(times)
    return [BestHour(day, hour, n, round(n / total, 4)) for (day, hour), n in ranked], total

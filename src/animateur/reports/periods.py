"""A period of a report or an objective: [start, end), in the workspace's time zone, and the one before it."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from animateur.core.models import Workspace


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    def previous(self) -> Period:
        """The period of the same length just before: what a report compares with."""
        return Period(self.start - (self.end - self.start), self.start)

    def day_starts(self) -> list[datetime]:
        zone = self.start.tzinfo
        first = self.start.astimezone(zone).date()
        return [_midnight(first + timedelta(days=n), zone) for n in range(self.days)]


def _zone(workspace: Workspace) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(workspace.timezone or "Europe/Paris")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Europe/Paris")


def _midnight(day: date, zone: zoneinfo.ZoneInfo | object) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)  # type: ignore[arg-type]


def between(workspace: Workspace, first: date, last: date) -> Period:
    """From the start of `first` to the end of `last`, both days included, in the workspace's zone."""
    zone = _zone(workspace)
    return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone))


def last_days(workspace: Workspace, days: int, *, now: datetime | None = None) -> Period:
    """The `days` whole days up to today included (today's counts grow until midnight)."""
    today = (now or timezone.now()).astimezone(_zone(workspace)).date()
    return between(workspace, today - timedelta(days=days - 1), today)


def period_start_of_day(workspace: Workspace, moment: datetime) -> datetime:
    """The start of the day of `moment`, in the workspace's zone."""
    zone = _zone(workspace)
    return _midnight(moment.astimezone(zone).date(), zone)

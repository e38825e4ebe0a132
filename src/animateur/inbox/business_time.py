"""Business-time arithmetic: pure functions, no Django.

A calendar is a time zone, opening intervals per weekday (local wall-clock times) and
holiday dates. With no intervals at all the calendar is always open. Intervals are built
per local day and converted to UTC through the zone, so DST days are 23 or 25 hours long
as they really are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS_SEARCHED = 3660  # ten years of holidays would be a configuration error, not a loop


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    # weekday (0 = Monday) → list of (start, end) local times, end > start
    hours: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not any(self.hours.values())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse_hours(
    raw: Mapping[str, Iterable[Iterable[str]]] | None,
) -> dict[int, tuple[tuple[time, time], ...]]:
    """{"mon": [["09:00", "12:30"], ["14:00", "18:00"]], ...} → weekday → intervals; invalid → ValueError."""
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, intervals in (raw or {}).items():
        if key not in DAYS:
            raise ValueError(f"unknown day {key!r}")
        parsed = []
        for pair in intervals:
            start_s, end_s = list(pair)
            start, end = time.fromisoformat(start_s), time.fromisoformat(end_s)
            if end <= start:
                raise ValueError(f"{key}: {start_s}–{end_s} ends before it starts")
            parsed.append((start, end))
        parsed.sort()
        for (_s1, e1), (s2, _e2) in zip(parsed, parsed[1:], strict=False):
            if s2 < e1:
                raise ValueError(f"{key}: intervals overlap")
        hours[DAYS.index(key)] = tuple(parsed)
    return hours


def _local_intervals(cal: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    if day in cal.holidays:
        return []
    zone = cal.zone
    out = []
    for start, end in cal.hours.get(day.weekday(), ()):
        a = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        b = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
        if b > a:
            out.append((a, b))
    return out


def _open_intervals_from(cal: Calendar, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Opening intervals (UTC) that end after `moment`, in order, clipped to start at `moment`."""
    day = moment.astimezone(cal.zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS_SEARCHED):
        for a, b in _local_intervals(cal, day):
            if b > moment:
                yield max(a, moment), b
        day += timedelta(days=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)


def is_open(cal: Calendar, moment: datetime) -> bool:
    if cal.always_open:
        return True
    moment = _utc(moment)
    return any(a <= moment < b for a, b in _local_intervals(cal, moment.astimezone(cal.zone).date()))


def add_business_seconds(cal: Calendar, start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of open time after `start` (an out-of-hours start waits for the opening)."""
    start = _utc(start)
    if cal.always_open:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds)
    last = start
    for a, b in _open_intervals_from(cal, start):
        if remaining <= b - a:
            return a + remaining
        remaining -= b - a
        last = b
    raise ValueError(f"no opening hours within {MAX_DAYS_SEARCHED} days after {last:%Y-%m-%d}")


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> float:
    """Open time between two moments; negative when `end` is before `start`."""
    start, end = _utc(start), _utc(end)
    if end < start:
        return -business_seconds_between(cal, end, start)
    if cal.always_open:
        return (end - start).total_seconds()
    total = 0.0
    for a, b in _open_intervals_from(cal, start):
        if a >= end:
            break
        total += (min(b, end) - a).total_seconds()
    return total

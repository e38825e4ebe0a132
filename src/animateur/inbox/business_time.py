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
from functools import cached_property
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS_SEARCHED = 3660  # ten years of holidays would be a configuration error, not a loop


@dataclass(frozen=True)
class Calendar:
    timezone: str = "UTC"
    # weekday (0 = Monday) → list of (start, end) local times, end > start
    hours: Mapping[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    # Opening intervals (epoch microseconds) per local day, worked out once per calendar: a
    # pipeline batch asks about the same few days for each of the conversations it opens.
    _days: dict[date, tuple[tuple[int, int], ...]] = field(default_factory=dict, init=False, compare=False, repr=False)

    @cached_property
    def always_open(self) -> bool:
        return not any(self.hours.values())

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse_hours(
    raw: Mapping[str, Iterable[Iterable[str]]] | None,
) -> dict[int, tuple[tuple[time, time], ...]]:
    """{"mon": [["09:00", "12:30"], ["14:00", "18:00"]], ...} → weekday → intervals; invalid → ValueError."""
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for key, intervals in (raw or {}).items():
        if key not in DAYS:
            raise HoursError("unknown_day", str(key))
        parsed = []
        for pair in intervals:
            try:
                start_s, end_s = list(pair)
            except (TypeError, ValueError):
                raise HoursError("not_an_interval", key, str(pair)) from None
            start, end = _time(key, start_s), _time(key, end_s)
            if end <= start:
                raise HoursError("ends_before_start", key, f"{start_s}–{end_s}")
            parsed.append((start, end))
        parsed.sort()
        for (_s1, e1), (s2, _e2) in zip(parsed, parsed[1:], strict=False):
            if s2 < e1:
                raise HoursError("overlap", key)
        hours[DAYS.index(key)] = tuple(parsed)
    return hours


class HoursError(ValueError):
    """What is wrong with business hours, as a code, the day and the words at fault: no Django here,
    so the caller puts it in the reader's language (inbox.actions.expectations)."""

    def __init__(self, problem: str, day: str, value: str = "") -> None:
        super().__init__(f"{day}: {problem} {value}".strip())
        self.problem, self.day, self.value = problem, day, value


def _time(day: str, value: object) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise HoursError("not_a_time", day, str(value)) from None


# Inside, moments are integer microseconds since the epoch: exact like datetimes, and several times
# quicker to compare and add, which a batch of conversations does for each one it opens.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def _local_intervals(cal: Calendar, day: date) -> tuple[tuple[int, int], ...]:
    known = cal._days.get(day)
    if known is not None:
        return known
    out = []
    if day not in cal.holidays:
        zone = cal.zone
        for start, end in cal.hours.get(day.weekday(), ()):
            a = _micros(datetime.combine(day, start, tzinfo=zone))
            b = _micros(datetime.combine(day, end, tzinfo=zone))
            if b > a:
                out.append((a, b))
    cal._days[day] = tuple(out)
    return cal._days[day]


def _open_intervals_from(cal: Calendar, moment: datetime) -> Iterator[tuple[int, int]]:
    """Opening intervals that end after `moment`, in order, clipped to start at `moment`."""
    at = _micros(moment)
    day = moment.astimezone(cal.zone).date() - timedelta(days=1)
    for _ in range(MAX_DAYS_SEARCHED):
        for a, b in _local_intervals(cal, day):
            if b > at:
                yield max(a, at), b
        day += timedelta(days=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC)


def is_open(cal: Calendar, moment: datetime) -> bool:
    if cal.always_open:
        return True
    moment = _utc(moment)
    at = _micros(moment)
    return any(a <= at < b for a, b in _local_intervals(cal, moment.astimezone(cal.zone).date()))


def add_business_seconds(cal: Calendar, start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of open time after `start` (an out-of-hours start waits for the opening)."""
    start = _utc(start)
    if cal.always_open:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=seconds) // MICROSECOND
    last = start
    for a, b in _open_intervals_from(cal, start):
        if remaining <= b - a:
            return _moment(a + remaining)
        remaining -= b - a
        last = _moment(b)
    raise ValueError(f"no opening hours within {MAX_DAYS_SEARCHED} days after {last:%Y-%m-%d}")


def business_seconds_between(cal: Calendar, start: datetime, end: datetime) -> float:
    """Open time between two moments; negative when `end` is before `start`."""
    start, end = _utc(start), _utc(end)
    if end < start:
        return -business_seconds_between(cal, end, start)
    if cal.always_open:
        return (end - start).total_seconds()
    until = _micros(end)
    total = 0
    for a, b in _open_intervals_from(cal, start):
        if a >= until:
            break
        total += min(b, until) - a
    return total / 1_000_000

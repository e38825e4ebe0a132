"""Trust levels computed from a member's history, against the workspace's thresholds."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate
from django.utils import timezone

from animateur.moderation.models import Flag, ModerationSettings
from animateur.moderation.prefs import TRUST_LEVELS, settings_for, trust_thresholds
from animateur.stream.models import Identity, Message, Visibility


@dataclass(frozen=True)
class TrustStats:
    approved: int = 0
    rejected: int = 0
    days_active: int = 0
    upheld_flags: int = 0


def level_for(stats: TrustStats, thresholds: dict[str, dict[str, int]]) -> str:
    """The highest level whose every threshold the stats meet (levels build on each other)."""
    level = TRUST_LEVELS[0]
    for candidate in TRUST_LEVELS[1:]:
        need = thresholds.get(candidate)
        if not need:
            break
        if (
            stats.approved >= need.get("approved", 0)
            and stats.days_active >= need.get("days_active", 0)
            and stats.upheld_flags <= need.get("max_upheld_flags", 1_000_000)
        ):
            level = candidate
        else:
            break
    return level


def rank(level: str) -> int:
    return TRUST_LEVELS.index(level) if level in TRUST_LEVELS else 0


def member_stats(workspace_id: int, member_ids: Iterable[int]) -> dict[int, TrustStats]:
    ids = [m for m in set(member_ids) if m]
    if not ids:
        return {}
    # Driven from the members' identities through the (author, visibility) index. The workspace is
    # compared as `workspace_id + 0` so that no index serves it: SQLite, which keeps no statistics
    # here, otherwise walks every message of the workspace (time growing with the workspace).
    mine = (
        Message.objects.alias(in_workspace=F("workspace_id") + 0)
        .filter(in_workspace=workspace_id)
        .filter(author__in=Identity.objects.filter(member_id__in=ids).values("pk"), from_organisation=False)
    )
    visible = Q(visibility=Visibility.VISIBLE)
    day = _local_date(timezone.get_current_timezone()) if connection.vendor == "sqlite" else TruncDate("created_at")
    # member id -> (approved, rejected, days with an approved message), in one query.
    counts: dict[int, tuple[int, int, int]] = {
        row["author__member_id"]: (row["approved"], row["rejected"], row["days"])
        for row in mine.values("author__member_id").annotate(
            approved=Count("id", filter=visible),
            rejected=Count("id", filter=Q(visibility__in=[Visibility.HIDDEN, Visibility.SPAM, Visibility.TRASH])),
            days=Count(day, distinct=True, filter=visible),
        )
    }
    flags = dict(
        Flag.objects.filter(workspace_id=workspace_id, flagged_member_id__in=ids, outcome=Flag.Outcome.UPHELD)
        .values("flagged_member_id")
        .annotate(n=Count("message", distinct=True))
        .values_list("flagged_member_id", "n")
    )
    return {
        member_id: TrustStats(
            approved=counts.get(member_id, (0, 0, 0))[0],
            rejected=counts.get(member_id, (0, 0, 0))[1],
            days_active=counts.get(member_id, (0, 0, 0))[2],
            upheld_flags=flags.get(member_id, 0),
        )
        for member_id in ids
    }


def _local_date(zone: tzinfo) -> RawSQL:
    """SQLite: a message's date in `zone`, computed by SQLite itself (what TruncDate gives).

    SQLite knows no time zones, so TruncDate calls Python for every message: a member with
    thousands of messages cost milliseconds a batch. Stored date times are UTC text
    ('YYYY-MM-DD HH:MM:SS...'); the zone's offset is constant between two changes of clocks, so
    the date is `date(created_at, '<offset> seconds')` with the offset chosen by comparing the text
    with the changes' moments, newest first (a recent message stops at the first comparison).
    """
    return RawSQL(_local_date_sql(zone, timezone.now().year, Message._meta.db_table), [])  # noqa: S611 - see below


@functools.lru_cache(maxsize=16)
def _local_date_sql(zone: tzinfo, year: int, table: str) -> str:
    """Built from the model's names and computed offsets only, never from input."""
    column = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name('created_at')}"
    offsets = _offsets(zone, year)
    branches = " ".join(
        f"WHEN {column} >= '{moment}' THEN '{offset:+d} seconds'" for moment, offset in reversed(offsets[1:])
    )
    first = f"'{offsets[0][1]:+d} seconds'"
    return f"date({column}, CASE {branches} ELSE {first} END)" if branches else f"date({column}, {first})"


@functools.lru_cache(maxsize=16)
def _offsets(zone: tzinfo, year: int) -> tuple[tuple[str, int], ...]:
    """The zone's UTC offset (seconds) from each change of clocks on (UTC text), 1970 to two years on."""

    def offset(moment: datetime) -> int:
        found = moment.astimezone(zone).utcoffset()
        return int(found.total_seconds()) if found is not None else 0

    moment = datetime(1970, 1, 1, tzinfo=UTC)
    end = datetime(year + 2, 1, 1, tzinfo=UTC)
    changes = [("", offset(moment))]
    while moment < end:
        following = moment + timedelta(days=7)
        if offset(following) != changes[-1][1]:
            # A change within this week (changes of clocks are weeks apart at least): its second.
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high.strftime("%Y-%m-%d %H:%M:%S"), offset(high)))
        moment = following
    return tuple(changes)


def trust_levels(
    workspace_id: int, member_ids: Iterable[int], settings: ModerationSettings | None = None
) -> dict[int, str]:
    """Each member's level; `settings`, the workspace's moderation settings when the caller has them."""
    thresholds = trust_thresholds(settings or settings_for(workspace_id))
    return {mid: level_for(stats, thresholds) for mid, stats in member_stats(workspace_id, member_ids).items()}


def trust_level(workspace_id: int, member_id: int | None) -> str:
    if not member_id:
        return TRUST_LEVELS[0]
    return trust_levels(workspace_id, [member_id]).get(member_id, TRUST_LEVELS[0])

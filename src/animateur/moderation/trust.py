"""Trust levels computed from a member's history, against the workspace's thresholds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

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
    # member id -> (approved, rejected, days with an approved message), in one query.
    counts: dict[int, tuple[int, int, int]] = {
        row["author__member_id"]: (row["approved"], row["rejected"], row["days"])
        for row in mine.values("author__member_id").annotate(
            approved=Count("id", filter=visible),
            rejected=Count("id", filter=Q(visibility__in=[Visibility.HIDDEN, Visibility.SPAM, Visibility.TRASH])),
            days=Count(TruncDate("created_at"), distinct=True, filter=visible),
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

"""Engagement, levels, reach and ambassador candidates: plain functions over activity rows, no Django.

Defaults (changeable per workspace on the members' settings page, `MembersSettings.weights`):

    post      2   a post or question of one's own
    answer    3   a reply to someone else's post or question
    comment   1   any other reply or comment
    mention   2   a mention of the organisation
    accepted  5   an answer the asker accepted (added to the answer's weight)
    thanked   2   an answer the asker thanked (« merci », « thanks »), added too
    share     1   a share of the organisation's post
    event     4   an event attended

Each activity counts its weight × 0.5 ** (age / half-life): the score halves every `half_life_days`
(90 by default). Age is measured from the reference time: now, or the stream's latest message when
the stream stops earlier (an imported archive), so that an archive still ranks its people.

Levels after the Orbit model, 1 the closest: reached by weight (engagement) or by presence (months
with activity in the last year), whichever is higher. Promotions apply at once; a demotion only once
the current level is at least DEMOTION_DAYS old, so that levels do not flicker.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_WEIGHTS: dict[str, float] = {
    "post": 2.0,
    "answer": 3.0,
    "comment": 1.0,
    "mention": 2.0,
    "accepted": 5.0,
    "thanked": 2.0,
    "share": 1.0,
    "event": 4.0,
}
ACTIVITY_KINDS = tuple(DEFAULT_WEIGHTS)
DEFAULT_HALF_LIFE_DAYS = 90
# Level → (minimum engagement, minimum active months of the last twelve).
LEVEL_THRESHOLDS: dict[int, tuple[float, int]] = {1: (30.0, 9), 2: (10.0, 6), 3: (3.0, 3), 4: (0.0, 0)}
DEMOTION_DAYS = 30
DIRECT_WEIGHT = 1.0
INDIRECT_WEIGHT = 0.25
THANKS_WORDS = ("merci", "thank", "thx", "gracias", "danke")
# Why someone is proposed as an ambassador.
REASONS = ("engagement", "reach", "helpfulness", "tone")


@dataclass(frozen=True)
class Activity:
    """One message as engagement reads it."""

    member_id: int
    created_at: datetime
    kinds: tuple[str, ...]  # e.g. ("answer", "accepted")
    partner_id: int | None = None  # the member answered directly
    thread_partner_ids: tuple[int, ...] = ()  # others of the same thread
    sentiment: str = ""


@dataclass
class Figures:
    engagement: float = 0.0
    reach: float = 0.0
    months: set[tuple[int, int]] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    negative: int = 0
    messages: int = 0
    ties: dict[int, float] = field(default_factory=dict)  # partner → the strongest decayed interaction


def merged_weights(overrides: dict[str, float] | None) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    for kind, value in (overrides or {}).items():
        if kind in weights:
            weights[kind] = float(value)
    return weights


def decay(age: timedelta, half_life_days: int) -> float:
    days = max(age.total_seconds() / 86400, 0.0)
    return math.pow(0.5, days / max(half_life_days, 1))


def is_thanks(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in THANKS_WORDS)


def compute(
    activities: Iterable[Activity], *, reference: datetime, weights: dict[str, float], half_life_days: int
) -> dict[int, Figures]:
    """Each member's engagement, reach, active months and activity counts."""
    figures: dict[int, Figures] = defaultdict(Figures)
    # Reach: per member and partner, the strongest decayed interaction (direct beats indirect).
    ties: dict[int, dict[int, float]] = defaultdict(dict)
    year_ago = reference - timedelta(days=365)
    for activity in activities:
        fig = figures[activity.member_id]
        fig.messages += 1
        factor = decay(reference - activity.created_at, half_life_days)
        fig.engagement += factor * sum(weights.get(kind, 0.0) for kind in activity.kinds)
        for kind in activity.kinds:
            fig.counts[kind] += 1
        if activity.created_at >= year_ago:
            fig.months.add((activity.created_at.year, activity.created_at.month))
        if activity.sentiment == "negative":
            fig.negative += 1
        for partner, strength in [(activity.partner_id, DIRECT_WEIGHT)] + [
            (p, INDIRECT_WEIGHT) for p in activity.thread_partner_ids
        ]:
            if partner is None or partner == activity.member_id:
                continue
            for a, b in ((activity.member_id, partner), (partner, activity.member_id)):
                value = strength * factor
                if value > ties[a].get(b, 0.0):
                    ties[a][b] = value
    for member_id, partners in ties.items():
        figures[member_id].reach = sum(partners.values())
        figures[member_id].ties = partners
    return dict(figures)


def level_for(engagement: float, active_months: int) -> int:
    for level in (1, 2, 3):
        minimum, months = LEVEL_THRESHOLDS[level]
        if engagement >= minimum or (months and active_months >= months):
            return level
    return 4


def next_level(current: int | None, since: datetime | None, computed: int, now: datetime) -> tuple[int, bool]:
    """(level, changed): promotions at once, demotions only after DEMOTION_DAYS at the current level."""
    if current is None or current == 0 or since is None:
        return computed, current != computed
    if computed < current:
        return computed, True
    if computed > current and now - since >= timedelta(days=DEMOTION_DAYS):
        return computed, True
    return current, False


def candidate_reasons(fig: Figures, *, engagement_cut: float, reach_cut: float) -> list[str]:
    """Why this member could be an ambassador: at least two reasons, tone never against them."""
    reasons = []
    if fig.engagement >= engagement_cut > 0:
        reasons.append("engagement")
    if fig.reach >= reach_cut > 0:
        reasons.append("reach")
    if fig.counts.get("accepted", 0) + fig.counts.get("thanked", 0) >= 2 or fig.counts.get("answer", 0) >= 5:
        reasons.append("helpfulness")
    if fig.messages >= 5 and fig.negative / fig.messages < 0.1:
        reasons.append("tone")
    if len(reasons) < 2 or not ({"engagement", "helpfulness"} & set(reasons)):
        return []
    return reasons


def percentile(values: list[float], share: float) -> float:
    """The value above which `share` of the values lie (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(len(ordered) * (1 - share)))
    return ordered[index]

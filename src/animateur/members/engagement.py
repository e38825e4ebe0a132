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
from datetime import UTC, datetime, timedelta
from itertools import repeat

import numpy as np
import numpy.typing as npt

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


# --- the same figures over columns (numpy): the recompute of a whole workspace ----------------------

# An activity's kinds as bits, in ACTIVITY_KINDS' order (post 1, answer 2, comment 4, ...).
KIND_BITS: dict[str, int] = {kind: 1 << i for i, kind in enumerate(ACTIVITY_KINDS)}


@dataclass
class Columns:
    """Activities as columns, in the order the reference loop reads them (by message id).

    `member`, `partner` and `thread_partner` are member positions (0 .. members-1, -1 for none);
    `created_us` is microseconds since 1970 (UTC); `kinds`, KIND_BITS or-ed together.
    """

    member: npt.NDArray[np.int64]
    created_us: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int64]
    partner: npt.NDArray[np.int64]
    thread_partner: npt.NDArray[np.int64]
    negative: npt.NDArray[np.bool_]


@dataclass
class ColumnFigures:
    """Per member position: what `Figures` holds, as arrays; ties as undirected edges (first < second)."""

    engagement: npt.NDArray[np.float64]
    reach: npt.NDArray[np.float64]
    months: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]  # members × len(ACTIVITY_KINDS)
    negative: npt.NDArray[np.int64]
    messages: npt.NDArray[np.int64]
    tie_first: npt.NDArray[np.int64]
    tie_second: npt.NDArray[np.int64]
    tie_value: npt.NDArray[np.float64]


def microseconds(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970, UTC (what `Columns.created_us` holds)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def compute_columns(
    columns: Columns, members: int, *, reference: datetime, weights: dict[str, float], half_life_days: int
) -> ColumnFigures:
    """`compute` over columns, without a Python loop over activities (same formulas, same order of sums)."""
    member = columns.member
    # The activity's weight: a table of every combination of kinds, summed as `compute` sums them.
    table = np.array(
        [sum(weights.get(kind, 0.0) for kind in ACTIVITY_KINDS if bits & KIND_BITS[kind]) for bits in range(256)]
    )
    age_us = microseconds(reference) - columns.created_us
    days = np.maximum(age_us.astype(np.float64) / 1e6 / 86400, 0.0)
    # math.pow over the values (C, no Python loop of ours): numpy's vectorised power may differ from
    # it in the last bit, and the figures must be those of `compute` exactly.
    exponents = (days / max(half_life_days, 1)).tolist()
    factor = np.fromiter(map(math.pow, repeat(0.5), exponents), dtype=np.float64, count=len(exponents))
    engagement = np.bincount(member, weights=factor * table[columns.kinds & 255], minlength=members)
    counts = np.zeros((members, len(ACTIVITY_KINDS)), dtype=np.int64)
    for i, kind in enumerate(ACTIVITY_KINDS):
        has = (columns.kinds & KIND_BITS[kind]) != 0
        counts[:, i] = np.bincount(member[has], minlength=members)
    # Active months of the last year, as (year, month) in UTC.
    recent = columns.created_us >= microseconds(reference - timedelta(days=365))
    month = columns.created_us[recent].astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)
    pairs = np.unique(member[recent] * 100_000 + (month - month.min() if month.size else month))
    months = np.bincount(pairs // 100_000, minlength=members)
    # Reach: per pair of members, the strongest decayed interaction (direct beats indirect). Entries
    # in the loop's order (each activity's direct partner, then its thread's), pairs as (low, high).
    partners = np.stack([columns.partner, columns.thread_partner], axis=1).ravel()
    strength = np.stack([factor * DIRECT_WEIGHT, factor * INDIRECT_WEIGHT], axis=1).ravel()
    own = np.repeat(member, 2)
    valid = (partners >= 0) & (partners != own) & (strength > 0.0)
    own, partners, strength = own[valid], partners[valid], strength[valid]
    key = np.minimum(own, partners) * members + np.maximum(own, partners)
    order = np.argsort(key, kind="stable")
    key, strength = key[order], strength[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.int64)
    strongest = np.maximum.reduceat(strength, starts) if key.size else strength
    # A pair enters both members' ties at its first entry: reach sums them in that order, as `compute`.
    by_entry = np.argsort(order[starts], kind="stable")
    unique, strongest = key[starts][by_entry], strongest[by_entry]
    tie_first, tie_second, tie_value = unique // members, unique % members, strongest
    reach = np.bincount(
        np.stack([tie_first, tie_second], axis=1).ravel(), weights=np.repeat(tie_value, 2), minlength=members
    )
    return ColumnFigures(
        engagement=engagement.astype(np.float64, copy=False),
        reach=reach.astype(np.float64, copy=False),
        months=months,
        counts=counts,
        negative=np.bincount(member[columns.negative], minlength=members),
        messages=np.bincount(member, minlength=members),
        tie_first=tie_first,
        tie_second=tie_second,
        tie_value=tie_value,
    )


def levels_for(engagement: npt.NDArray[np.float64], active_months: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """`level_for` of every member at once."""
    levels = np.full(engagement.shape, 4, dtype=np.int64)
    for level in (3, 2, 1):
        minimum, months = LEVEL_THRESHOLDS[level]
        reached = engagement >= minimum
        if months:
            reached |= active_months >= months
        levels[reached] = level
    return levels


def reasons_bits(figures: ColumnFigures, *, engagement_cut: float, reach_cut: float) -> npt.NDArray[np.int64]:
    """`candidate_reasons` of every member as bits in REASONS' order (0: not a candidate)."""
    kind = {k: figures.counts[:, i] for i, k in enumerate(ACTIVITY_KINDS)}
    bits = np.zeros(figures.engagement.shape, dtype=np.int64)
    if engagement_cut > 0:
        bits |= (figures.engagement >= engagement_cut) * 1
    if reach_cut > 0:
        bits |= (figures.reach >= reach_cut) * 2
    bits |= ((kind["accepted"] + kind["thanked"] >= 2) | (kind["answer"] >= 5)) * 4
    with np.errstate(divide="ignore", invalid="ignore"):
        calm = (figures.messages >= 5) & (figures.negative / np.maximum(figures.messages, 1) < 0.1)
    bits |= calm * 8
    enough = (np.bitwise_count(bits.astype(np.uint64)) >= 2) & ((bits & 5) != 0)
    return np.where(enough, bits, 0)


def reasons_of(bits: int) -> list[str]:
    return [reason for i, reason in enumerate(REASONS) if bits & (1 << i)]


def percentile_of(values: npt.NDArray[np.float64], share: float) -> float:
    """`percentile` over an array."""
    if not values.size:
        return 0.0
    ordered = np.sort(values)
    return float(ordered[min(ordered.size - 1, int(ordered.size * (1 - share)))])

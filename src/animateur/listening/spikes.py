"""Spikes: periods in which a search matched far more than its own baseline, and what grew.

The baseline of a period is its search's own past, with the week's rhythm: the same hour (or
day) of the week over the previous four weeks, blended with the periods just before, so that a
Monday-morning peak that comes every Monday is not news and a quiet Sunday night is not the
measure of a Monday. Counts are Poisson-like: a period is a spike when it holds at least
MIN_COUNT matches, RATIO times what was expected, and Z standard deviations above it.
Pure functions: the task reads the counts, these decide.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
MIN_COUNT = 5
RATIO = 3.0
Z = 4.0
SEASONS = 4  # weeks of the same slot
EXPECTED_FLOOR = 0.5


@dataclass(frozen=True)
class Found:
    starts_at: datetime
    ends_at: datetime
    count: int
    expected: float


def floor_to(moment: datetime, bucket: timedelta) -> datetime:
    if bucket >= DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def bucket_for(moments: Sequence[datetime]) -> timedelta:
    """Hours for a search that matches several times an hour, days for a quieter one."""
    if len(moments) < 2:
        return HOUR
    span_hours = max(1.0, (max(moments) - min(moments)) / HOUR)
    return HOUR if len(moments) / span_hours >= 0.5 else DAY


def counts_by_bucket(moments: Iterable[datetime], bucket: timedelta) -> Counter[datetime]:
    return Counter(floor_to(m, bucket) for m in moments)


def expected_count(counts: Counter[datetime], at: datetime, bucket: timedelta, first: datetime) -> float | None:
    """What the search's past says the period at `at` should hold; None without enough past."""
    recent_span = 24 if bucket < DAY else 7
    if at - recent_span * bucket < first:
        return None
    recent = sum(counts.get(at - k * bucket, 0) for k in range(1, recent_span + 1)) / recent_span
    same_slot = [counts.get(at - k * WEEK, 0) for k in range(1, SEASONS + 1) if at - k * WEEK >= first]
    if len(same_slot) >= 2:
        seasonal = sum(same_slot) / len(same_slot)
        return max(EXPECTED_FLOOR, (seasonal + recent) / 2)
    return max(EXPECTED_FLOOR, recent)


def is_spike(count: int, expected: float) -> bool:
    return count >= MIN_COUNT and count >= RATIO * expected and (count - expected) / math.sqrt(expected) >= Z


def find_spikes(
    moments: Sequence[datetime], bucket: timedelta | None = None, since: datetime | None = None
) -> list[Found]:
    """Every spike in the matches' times (those starting at or after `since`); neighbours merge into one."""
    if not moments:
        return []
    bucket = bucket or bucket_for(moments)
    counts = counts_by_bucket(moments, bucket)
    first = min(counts)
    found: list[Found] = []
    for at in sorted(counts):
        if since is not None and at < floor_to(since, bucket):
            continue
        expected = expected_count(counts, at, bucket, first)
        if expected is None or not is_spike(counts[at], expected):
            continue
        if found and found[-1].ends_at == at:
            last = found[-1]
            found[-1] = Found(last.starts_at, at + bucket, last.count + counts[at], last.expected + expected)
        else:
            found.append(Found(at, at + bucket, counts[at], expected))
    return found


# --- explanations -----------------------------------------------------------------------------

# Function words of French and English that say nothing about what grew; written for this project.
_STOP_WORDS_TEXT = """
a au aux avec ce ces cet cette c d de des du dans elle elles en et est etait etre il ils
j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne nos notre nous on ou par
pas plus pour qu que qui s sa se ses si son sont sur t ta te tes toi ton tu un une vos votre
vous y ont ai as avait fait faire tout tous tres bien aussi comme alors donc car ca cela ici
the an and or but if of to in on at by for with from as is are was were be been being it its
this that these those there here he she they them his her their we our you your i me my not
no do does did have has had will would can could should so than then too very just what which
who whom how when where why all any some more most also about into out up down over only
http https www com org net html amp quot gt lt nbsp
"""


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _word_set(_STOP_WORDS_TEXT)


@dataclass
class Facets:
    """What a set of messages holds, each thing counted once per message."""

    messages: int = 0
    terms: Counter[str] = field(default_factory=Counter)
    authors: Counter[str] = field(default_factory=Counter)
    links: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)

    def add(self, words: Iterable[str], author: str, hosts: Iterable[str], channel: str) -> None:
        self.messages += 1
        self.terms.update({w for w in words if len(w) > 2 and w not in STOP_WORDS and not w.isdigit()})
        if author:
            self.authors[author] += 1
        self.links.update(set(hosts))
        if channel:
            self.channels[channel] += 1


def drivers(spike: Facets, baseline: Facets, skip_terms: Iterable[str] = (), top: int = 5) -> dict[str, list[list]]:
    """For each facet, what grew most in the spike beyond the baseline's share: [name, in spike, expected]."""
    skipped = set(skip_terms)
    scale = spike.messages / baseline.messages if baseline.messages else 0.0
    explained: dict[str, list[list]] = {}
    for facet in ("terms", "authors", "links", "channels"):
        during: Counter[str] = getattr(spike, facet)
        before: Counter[str] = getattr(baseline, facet)
        rows: list[tuple[str, int, float, float]] = []
        for name, count in during.items():
            if facet == "terms" and name in skipped:
                continue
            expected = before.get(name, 0) * scale
            grown = count - expected
            if count >= 2 and grown >= max(1.0, 0.1 * spike.messages):
                rows.append((name, count, round(expected, 1), grown))
        rows.sort(key=lambda r: (-r[3], -r[1], r[0]))
        explained[facet] = [[name, count, expected] for name, count, expected, _grown in rows[:top]]
    return explained

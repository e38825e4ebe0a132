"""Introductions: members who share topics but have never answered each other, the links the book asks
the community manager to facilitate.

A member's topics are the words and hashtags they use most (hashtags count double), among the terms
used by at least two of the most engaged members and by at most a quarter of them (a word everyone
uses is no topic). Two members sharing at least two topics, between whom no reply goes either way
in the stream, are proposed, the rarest shared topics first; pairs the team dismissed are not.

The proposals of a workspace are computed for its most engaged members and kept in the cache until
the members are recomputed (the profiles' `computed_at` changes) or for an hour.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max

from animateur.core.models import Workspace
from animateur.members.models import IntroductionDismissal, Profile
from animateur.stream.models import Member, Message

MAX_MEMBERS = 400
MAX_MESSAGES = 50_000
TOP_TERMS = 25
MIN_SHARED = 2
MAX_SHARE = 0.25
KEEP = 300
CACHE_SECONDS = 3600
WORD = re.compile(r"#?[^\W\d_][\w-]{2,}", re.UNICODE)  # « l'espresso » is « espresso »


@dataclass(frozen=True)
class Pair:
    first: int
    second: int
    topics: tuple[str, ...]
    score: float


@dataclass
class Introduction:
    member: Member
    other: Member
    topics: list[str]
    score: float


def _stop_words() -> frozenset[str]:
    from animateur.listening.spikes import STOP_WORDS

    return STOP_WORDS


def terms(text: str) -> Counter[str]:
    stop = _stop_words()
    found: Counter[str] = Counter()
    for word in WORD.findall(text.casefold()):
        tag = word.startswith("#")
        word = word.lstrip("#").strip("-")
        if len(word) > 3 and word not in stop:
            found[word] += 2 if tag else 1
    return found


def compute(
    member_texts: dict[int, list[str]], replies: set[tuple[int, int]], dismissed: set[tuple[int, int]]
) -> list[Pair]:
    """Pairs of members sharing topics with no reply between them, the best first. No Django."""
    topics: dict[int, set[str]] = {}
    for member_id, texts in member_texts.items():
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(terms(text))
        topics[member_id] = {t for t, n in counts.most_common(TOP_TERMS) if n >= 2}
    used_by: dict[str, set[int]] = defaultdict(set)
    for member_id, own in topics.items():
        for term in own:
            used_by[term].add(member_id)
    n = max(len(topics), 1)
    ceiling = max(2, int(n * MAX_SHARE))
    shared: dict[tuple[int, int], list[str]] = defaultdict(list)
    for term, ids in used_by.items():
        if not 2 <= len(ids) <= ceiling:
            continue
        ordered = sorted(ids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)].append(term)
    pairs = []
    for (a, b), common in shared.items():
        if len(common) < MIN_SHARED or (a, b) in replies or (a, b) in dismissed:
            continue
        common.sort(key=lambda t: (len(used_by[t]), t))
        score = sum(math.log(n / len(used_by[t])) + 1 for t in common)
        pairs.append(Pair(a, b, tuple(common[:5]), round(score, 3)))
    pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    return pairs[:KEEP]


def _cache_key(workspace: Workspace) -> str:
    computed = Profile.objects.filter(workspace=workspace).aggregate(at=Max("computed_at"))["at"]
    dismissed = IntroductionDismissal.objects.filter(workspace=workspace).count()
    return f"members:introductions:{workspace.pk}:{computed.isoformat() if computed else '-'}:{dismissed}"


def pairs(workspace: Workspace) -> list[Pair]:
    key = _cache_key(workspace)
    found = cache.get(key)
    if found is not None:
        return list(found)
    ids = list(
        Profile.objects.filter(workspace=workspace, is_team=False, member__merged_into=None, message_count__gt=0)
        .order_by("-engagement", "member_id")
        .values_list("member_id", flat=True)[:MAX_MEMBERS]
    )
    texts: dict[int, list[str]] = defaultdict(list)
    rows = (
        Message.objects.filter(workspace=workspace, author__member_id__in=ids, from_organisation=False)
        .order_by("-id")
        .values_list("author__member_id", "title", "text")[:MAX_MESSAGES]
    )
    for member_id, title, text in rows:
        texts[member_id].append(f"{title} {text}")
    replies = set()
    for a, b in (
        Message.objects.filter(workspace=workspace, author__member_id__in=ids, parent__author__member_id__in=ids)
        .values_list("author__member_id", "parent__author__member_id")
        .distinct()
    ):
        if a != b:
            replies.add((min(a, b), max(a, b)))
    dismissed = set(IntroductionDismissal.objects.filter(workspace=workspace).values_list("first_id", "second_id"))
    found = compute(dict(texts), replies, dismissed)
    cache.set(key, found, CACHE_SECONDS)
    return found


def suggestions(workspace: Workspace, *, member: Member | None = None, limit: int = 20) -> list[Introduction]:
    """The introductions to propose (those of one member, when given), with both members loaded."""
    chosen = [p for p in pairs(workspace) if member is None or member.pk in (p.first, p.second)][:limit]
    wanted = {i for p in chosen for i in (p.first, p.second)}
    members = Member.objects.filter(pk__in=wanted, merged_into=None).in_bulk()
    found = []
    for p in chosen:
        first, second = members.get(p.first), members.get(p.second)
        if first is None or second is None:
            continue
        if member is not None and second.pk == member.pk:
            first, second = second, first
        found.append(Introduction(first, second, list(p.topics), p.score))
    return found

"""Identity resolution: which members may be one person, and the evidence. Plain functions, no Django.

Evidence and its weight:

    same_email    1.0   the same email address on both (certain)
    profile_link  0.9   a profile link of one names the other (the same profile address, or a
                        handle that is a domain, as Bluesky's, which the other's link is on)
    same_handle   0.6   the same handle on two different kinds of channel
    same_name     0.4   the same display name (four letters at least, accents and case aside)
    similar_name  0.25  names nearly alike (ratio ≥ 0.9)

A proposal's confidence is 1 − Π(1 − weight): independent hints add up, none alone exceeds its own.
It is certain only with the same email. Two members who both have an account on one channel
(different ids on one source) are marked `same_source`: never merged automatically.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

WEIGHTS = {"same_email": 1.0, "profile_link": 0.9, "same_handle": 0.6, "same_name": 0.4, "similar_name": 0.25}
SIMILAR_RATIO = 0.9
MIN_NAME = 4
MIN_HANDLE = 3
# A block of members sharing one name key larger than this says nothing (« admin », « user »).
MAX_BLOCK = 20
SUGGEST_FROM = 0.25


@dataclass(frozen=True)
class IdentityRow:
    member_id: int
    channel_id: int
    origin: str
    external_id: str
    handle: str
    name: str
    email: str
    url: str


@dataclass
class Proposal:
    first: int
    second: int
    evidence: list[dict[str, object]] = field(default_factory=list)
    same_source: bool = False

    @property
    def confidence(self) -> float:
        remaining = 1.0
        for item in self.evidence:
            remaining *= 1.0 - float(item["weight"])  # type: ignore[arg-type]
        return round(1.0 - remaining, 4)

    @property
    def certain(self) -> bool:
        return any(item["kind"] == "same_email" for item in self.evidence)

    def add(self, kind: str, detail: str) -> None:
        if any(item["kind"] == kind for item in self.evidence):
            return
        self.evidence.append({"kind": kind, "weight": WEIGHTS[kind], "detail": detail})


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def handle_key(handle: str) -> str:
    """`@ana@mastodon.social` and `ana` are the same handle; a domain handle keeps its dots."""
    h = handle.strip().lstrip("@").casefold()
    if "@" in h:
        h = h.split("@", 1)[0]
    return h


def url_key(url: str) -> str:
    parts = urlsplit(url.strip().casefold())
    host = parts.hostname or ""
    host = host.removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" if host else ""


DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def propose(rows: list[IdentityRow]) -> list[Proposal]:
    """Every pair of members with evidence, strongest first."""
    proposals: dict[tuple[int, int], Proposal] = {}
    channels_of: dict[int, set[int]] = defaultdict(set)
    origins_of: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        channels_of[row.member_id].add(row.channel_id)
        origins_of[row.member_id].add(row.origin)

    def pair(a: int, b: int) -> Proposal | None:
        if a == b:
            return None
        first, second = min(a, b), max(a, b)
        proposal = proposals.get((first, second))
        if proposal is None:
            proposal = proposals[(first, second)] = Proposal(first, second)
            proposal.same_source = bool(channels_of[first] & channels_of[second])
        return proposal

    def blocks(key_of: dict[str, set[int]]) -> list[tuple[str, list[int]]]:
        return [(key, sorted(ids)) for key, ids in key_of.items() if 1 < len(ids) <= MAX_BLOCK]

    by_email: dict[str, set[int]] = defaultdict(set)
    by_handle: dict[str, set[int]] = defaultdict(set)
    by_name: dict[str, set[int]] = defaultdict(set)
    by_url: dict[str, set[int]] = defaultdict(set)
    by_host: dict[str, set[int]] = defaultdict(set)
    domain_handles: dict[str, set[int]] = defaultdict(set)
    handle_origins: dict[tuple[str, int], set[str]] = defaultdict(set)
    for row in rows:
        if row.email:
            by_email[row.email.strip().casefold()].add(row.member_id)
        h = handle_key(row.handle)
        if len(h) >= MIN_HANDLE:
            by_handle[h].add(row.member_id)
            handle_origins[(h, row.member_id)].add(row.origin)
            if DOMAIN.match(h):
                domain_handles[h].add(row.member_id)
        n = fold(row.name)
        if len(n) >= MIN_NAME:
            by_name[n].add(row.member_id)
        u = url_key(row.url)
        if u:
            by_url[u].add(row.member_id)
            by_host[u.split("/", 1)[0]].add(row.member_id)
    for email, ids in blocks(by_email):
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (p := pair(a, b)) is not None:
                    p.add("same_email", email)
    for u, ids in blocks(by_url):
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (p := pair(a, b)) is not None:
                    p.add("profile_link", u)
    for domain, owners in domain_handles.items():
        for a in owners:
            for b in by_host.get(domain, set()):
                if (p := pair(a, b)) is not None:
                    p.add("profile_link", domain)
    for h, ids in blocks(by_handle):
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                # The same handle on one kind of network is two accounts there, not one person.
                if handle_origins[(h, a)] != handle_origins[(h, b)] and (p := pair(a, b)) is not None:
                    p.add("same_handle", h)
    for n, ids in blocks(by_name):
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (p := pair(a, b)) is not None:
                    p.add("same_name", n)
    # Similar names, compared only within a block of the same first three letters.
    prefix_blocks: dict[str, list[str]] = defaultdict(list)
    for n in by_name:
        prefix_blocks[n[:3]].append(n)
    for names in prefix_blocks.values():
        if len(names) > MAX_BLOCK * 10:
            continue
        names.sort()
        for i, x in enumerate(names):
            for y in names[i + 1 :]:
                if abs(len(x) - len(y)) > 2 or difflib.SequenceMatcher(None, x, y).ratio() < SIMILAR_RATIO:
                    continue
                for a in by_name[x]:
                    for b in by_name[y]:
                        if (p := pair(a, b)) is not None:
                            p.add("similar_name", f"{x} ~ {y}")
    found = [p for p in proposals.values() if p.confidence >= SUGGEST_FROM]
    return sorted(found, key=lambda p: (-p.confidence, p.first, p.second))

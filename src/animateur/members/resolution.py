"""Identity resolution: which members may be one person, and the evidence. Plain functions, no Django.

Evidence and its weight:

    same_email      1.0   the same email address on both (certain)
    verified_link   0.95  a link of one's Mastodon profile, verified with rel=me (by its server or by
                          animateur fetching the page), is the other's address: their profile, their
                          blog, a page of their own domain, or their own verified link
    profile_link    0.9   the same profile address on both
    own_domain      0.9   one's Bluesky handle is a domain (which Bluesky proved theirs) and the other's
                          address is on it
    commenter_blog  0.8   the blog a commenter gave with their comment is on the site the other's
                          address names (a comment form proves nothing: weaker than a verified link);
                          not counted when one of the three above already joins the pair, since the
                          blog is then the same address counted again
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
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

WEIGHTS = {
    "same_email": 1.0,
    "verified_link": 0.95,
    "profile_link": 0.9,
    "own_domain": 0.9,
    "commenter_blog": 0.8,
    "same_handle": 0.6,
    "same_name": 0.4,
    "similar_name": 0.25,
}
# Evidence that an address is both members': a commenter's blog meeting it adds nothing more.
ADDRESS_PROOFS = frozenset({"profile_link", "verified_link", "own_domain"})
# Channels whose identities' address is what a commenter typed (their blog), not a profile.
COMMENTER_ORIGINS = frozenset({"site", "wordpress"})
# Handles on these domains are the network's own subdomains, not a domain of the person's.
SHARED_HANDLE_DOMAINS = ("bsky.social",)
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


@dataclass(frozen=True)
class LinkRow:
    """A link named by a member's profile (Mastodon's fields), `proof` empty when not verified."""

    member_id: int
    url: str
    proof: str


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

    def add(self, kind: str, detail: str, **more: str) -> None:
        if any(item["kind"] == kind for item in self.evidence):
            return
        self.evidence.append({"kind": kind, "weight": WEIGHTS[kind], "detail": detail, **more})


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


def own_domain(handle: str, origin: str) -> str:
    """The domain a Bluesky handle proves its owner's (`alice.example.org`), or ""."""
    h = handle.strip().lstrip("@").casefold()
    if origin != "bluesky" or "@" in h or not DOMAIN.match(h) or h.endswith(SHARED_HANDLE_DOMAINS):
        return ""
    return h


def _sites(key: str) -> tuple[str, str]:
    """An address key's exact form and, when it is a whole site (no path), its host."""
    host, _sep, path = key.partition("/")
    return key, host if not path else ""


def propose(rows: list[IdentityRow], links: list[LinkRow] | None = None) -> list[Proposal]:
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
    handle_origins: dict[tuple[str, int], set[str]] = defaultdict(set)
    for row in rows:
        if row.email:
            by_email[row.email.strip().casefold()].add(row.member_id)
        h = handle_key(row.handle)
        if len(h) >= MIN_HANDLE:
            by_handle[h].add(row.member_id)
            handle_origins[(h, row.member_id)].add(row.origin)
        n = fold(row.name)
        if len(n) >= MIN_NAME:
            by_name[n].add(row.member_id)
        u = url_key(row.url)
        if u:
            by_url[u].add(row.member_id)
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
    _link_evidence(rows, links or [], pair)
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


def _link_evidence(rows: list[IdentityRow], links: list[LinkRow], pair: Callable[[int, int], Proposal | None]) -> None:
    """Proven addresses (verified links, Bluesky domains) and commenters' blogs, against every address.

    Two addresses meet when they are the same, or when one is a whole site (no path) and the other is
    on it: `alice.example` and `alice.example/about`. A page of a shared host (`github.com/alice`) meets
    only itself."""
    # Every address a member is known by: key → members; site host → members with an address on it.
    exact: dict[str, set[int]] = defaultdict(set)
    on_host: dict[str, set[int]] = defaultdict(set)
    whole_site: dict[str, set[int]] = defaultdict(set)

    def know(member_id: int, key: str, *, on_site: bool = True) -> None:
        exact[key].add(member_id)
        if not on_site:  # a profile on a network's host is not a page of anyone's own site
            return
        host, site = key.split("/", 1)[0], _sites(key)[1]
        on_host[host].add(member_id)
        if site:
            whole_site[site].add(member_id)

    def meeting(key: str) -> set[int]:
        found = set(exact.get(key, set()))
        host, site = key.split("/", 1)[0], _sites(key)[1]
        found |= whole_site.get(host, set())
        if site:
            found |= on_host.get(site, set())
        return found

    verified = [(link.member_id, url_key(link.url), link.proof) for link in links if link.proof and url_key(link.url)]
    domains = [(row.member_id, d) for row in rows if (d := own_domain(row.handle, row.origin))]
    blogs = [(row.member_id, k) for row in rows if row.origin in COMMENTER_ORIGINS and (k := url_key(row.url))]
    for row in rows:
        if k := url_key(row.url):
            know(row.member_id, k, on_site=row.origin in COMMENTER_ORIGINS)
    for member_id, key, _proof in verified:
        know(member_id, key)
    for member_id, domain in domains:
        know(member_id, domain)
    if verified or domains or blogs:
        for a, key, proof in verified:
            for b in meeting(key):
                if (p := pair(a, b)) is not None:
                    p.add("verified_link", key, proof=proof)
        for a, domain in domains:
            for b in meeting(domain):
                if (p := pair(a, b)) is not None:
                    p.add("own_domain", domain)
        for a, key in blogs:
            others = meeting(key)
            if len(others) > MAX_BLOCK:  # a blog host many name (a shared platform) says nothing
                continue
            for b in others:
                # The blog meets the other's address: when that address already proves the pair (the
                # same profile, a verified link, a Bluesky domain), the blog is that very fact again.
                if (p := pair(a, b)) is not None and not any(e["kind"] in ADDRESS_PROOFS for e in p.evidence):
                    p.add("commenter_blog", key)

"""What the listening sources ask the networks for: search terms derived from the saved searches.

A network that searches (Mastodon, Bluesky, Reddit, a Discourse forum) is asked for terms, not for
our query language. For each saved search we take a *cover*: a few literal terms such that every
message the query matches holds at least one of them. The source fetches what each term finds,
the pipeline matches the whole query on what arrives (listening.hooks), so the network never
has to understand `NEAR`, `-spam` or `lang:fr`.

    ecole "service client" -spam   →  the rarer-looking of « ecole » and « "service client" »
    (greve OR manif) AND #rscci    →  #rscci (a hashtag is the tightest term: one is enough)
    greve OR manif                 →  greve, manif (both: either may be the one that matched)

A term is written as the query wrote it (« École », not its folded « ecole »): networks fold
accents their own way. A prefix (`manif*`) or a one-letter wildcard cannot be asked for, nor can a
field (`lang:fr`) or an exclusion: a query whose every cover needs one has no terms, and the
channel's page says so. Called by the channels layer through the dotted name in
channels/listen_terms.py (it sits below listening).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from animateur.listening.query import And, Near, Node, Or, QueryError, Words, parse

MAX_TERMS = 50  # per workspace: each term is at least one request per poll
_ORIGINAL = re.compile(r'"[^"]*"|[^\s()"]+')


@dataclass
class SearchTerms:
    """The terms to ask the networks for, in a stable order, and the searches that gave none."""

    hashtags: list[str] = field(default_factory=list)  # without « # »: a Mastodon tag timeline each
    texts: list[str] = field(default_factory=list)  # words and "phrases", hashtags included as « #tag »
    unsearchable: list[str] = field(default_factory=list)  # names of saved searches without a cover

    def as_dict(self) -> dict[str, list[str]]:
        return {"hashtags": self.hashtags, "texts": self.texts, "unsearchable": self.unsearchable}


def _original(query: str, words: Words) -> str | None:
    """The term as the query wrote it; None for a prefix or a wildcard (no network searches those)."""
    if any("*" in p or "?" in p for p in words.patterns):
        return None
    found = _ORIGINAL.match(query, words.position)
    text = found.group(0) if found else " ".join(words.patterns)
    if words.is_phrase and not text.startswith('"'):  # « l'école » or « e-réputation »: one phrase
        text = f'"{text}"'
    return text


def _weight(term: str) -> tuple[int, int]:
    """Smaller is tighter: a hashtag first, then a phrase, then the longest word."""
    return (0 if term.startswith("#") else 1 if term.startswith('"') else 2, -len(term))


def _tightest(covers: list[list[str] | None]) -> list[str] | None:
    """Of several covers all of which hold (the sides of an AND), the fewest and tightest terms."""
    found = [c for c in covers if c]
    return min(found, key=lambda c: (len(c), min(_weight(t) for t in c))) if found else None


def cover(query: str, node: Node) -> list[str] | None:
    """Terms one of which every message matching `node` holds; None when no such list exists."""
    if isinstance(node, Words):
        term = _original(query, node)
        return [term] if term else None
    if isinstance(node, Near):  # both sides are there: either one is enough to ask for
        return _tightest([cover(query, node.left), cover(query, node.right)])
    if isinstance(node, And):
        return _tightest([cover(query, child) for child in node.children])
    if isinstance(node, Or):
        terms: list[str] = []
        for child in node.children:
            branch = cover(query, child)
            if branch is None:
                return None  # this branch can match without any term we could ask for
            terms.extend(t for t in branch if t not in terms)
        return terms
    return None  # a field or an exclusion: nothing to ask a network for


def terms_of(queries: list[tuple[str, str]]) -> SearchTerms:
    """The terms that cover these (name, query) pairs; an invalid query is left out."""
    result = SearchTerms()
    for name, query in queries:
        try:
            found = cover(query, parse(query))
        except QueryError:
            found = None
        if not found:
            result.unsearchable.append(name)
            continue
        for term in found:
            if len(result.texts) >= MAX_TERMS:
                break
            if term not in result.texts:
                result.texts.append(term)
            tag = term[1:] if term.startswith("#") and " " not in term else ""
            if tag and tag not in result.hashtags:
                result.hashtags.append(tag)
    return result


def workspace_terms(workspace_id: int) -> dict[str, list[str]]:
    """The terms of a workspace's saved searches (the channels layer reads this dict)."""
    from animateur.listening.models import SavedSearch

    rows = SavedSearch.objects.filter(workspace_id=workspace_id).order_by("pk").values_list("name", "query")
    return terms_of([(str(n), str(q)) for n, q in rows]).as_dict()

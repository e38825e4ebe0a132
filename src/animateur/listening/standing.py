"""Standing queries: every saved search of a workspace tested on each new message, at the cost of
the few that could match it.

Each compiled query is filed under its anchor words (matcher.anchors): a message's words pick
the queries filed under one of them (and, for prefixes, under one of their beginnings); only
those, and the few queries without anchors, are evaluated. A loop over every query for every
message is the naive baseline bench/listening.py measures this against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from animateur.listening.matcher import Compiled, Doc, compile_query
from animateur.listening.query import QueryError


@dataclass
class StandingIndex:
    queries: list[Compiled] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    prefixes: dict[str, list[int]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()
    always: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, queries: Iterable[tuple[int, str]]) -> StandingIndex:
        """From (key, query) pairs; a query that no longer parses is left out (it cannot match)."""
        index = cls()
        lengths: set[int] = set()
        for key, text in queries:
            try:
                compiled = compile_query(text)
            except QueryError:
                continue
            position = len(index.queries)
            index.queries.append(compiled)
            index.keys.append(key)
            if compiled.anchors is None:
                index.always.append(position)
                continue
            for kind, word in compiled.anchors:
                if kind == "=":
                    index.exact.setdefault(word, []).append(position)
                else:
                    index.prefixes.setdefault(word, []).append(position)
                    lengths.add(len(word))
        index.prefix_lengths = tuple(sorted(lengths))
        return index

    def __len__(self) -> int:
        return len(self.queries)

    def candidates(self, doc: Doc) -> set[int]:
        found: set[int] = set(self.always)
        exact, prefixes, lengths = self.exact, self.prefixes, self.prefix_lengths
        for word in doc.word_set:
            hit = exact.get(word)
            if hit:
                found.update(hit)
            for length in lengths:
                if length > len(word):
                    break
                hit = prefixes.get(word[:length])
                if hit:
                    found.update(hit)
        return found

    def matching(self, doc: Doc) -> list[int]:
        """The keys of the queries that match the message."""
        queries = self.queries
        return [self.keys[i] for i in self.candidates(doc) if queries[i].test(doc)]

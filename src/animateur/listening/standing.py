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

from animateur.listening.matcher import Compiled, Cost, Doc, anchors, compile_query, length_cost
from animateur.listening.query import QueryError


@dataclass
class StandingIndex:
    queries: list[Compiled] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    prefixes: dict[str, list[int]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()
    suffixes: dict[str, list[int]] = field(default_factory=dict)
    suffix_lengths: tuple[int, ...] = ()
    always: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, queries: Iterable[tuple[int, str]], cost: Cost = length_cost) -> StandingIndex:
        """From (key, query) pairs; a query that no longer parses is left out (it cannot match).

        `cost` says how common an anchor word is (matcher.frequency_cost, from a sample of the
        stream): each query is filed under its rarest words, so that few are tried per message."""
        index = cls()
        lengths: set[int] = set()
        end_lengths: set[int] = set()
        for key, text in queries:
            try:
                compiled = compile_query(text)
            except QueryError:
                continue
            position = len(index.queries)
            index.queries.append(compiled)
            index.keys.append(key)
            filed_under = anchors(compiled.tree, cost)
            if filed_under is None:
                index.always.append(position)
                continue
            for kind, word in filed_under:
                if kind == "=":
                    index.exact.setdefault(word, []).append(position)
                elif kind == "*":
                    index.prefixes.setdefault(word, []).append(position)
                    lengths.add(len(word))
                else:
                    index.suffixes.setdefault(word, []).append(position)
                    end_lengths.add(len(word))
        index.prefix_lengths = tuple(sorted(lengths))
        index.suffix_lengths = tuple(sorted(end_lengths))
        return index

    def __len__(self) -> int:
        return len(self.queries)

    def candidates(self, doc: Doc) -> set[int]:
        found: set[int] = set(self.always)
        exact, prefixes, lengths = self.exact, self.prefixes, self.prefix_lengths
        suffixes, end_lengths = self.suffixes, self.suffix_lengths
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
            for length in end_lengths:
                if length > len(word):
                    break
                hit = suffixes.get(word[-length:])
                if hit:
                    found.update(hit)
        return found

    def matching(self, doc: Doc) -> list[int]:
        """The keys of the queries that match the message."""
        queries = self.queries
        return [self.keys[i] for i in self.candidates(doc) if queries[i].test(doc)]

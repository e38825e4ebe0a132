"""Standing queries: every saved search of a workspace tested on each new message, at the cost of
the few that could match it.

Each compiled query is filed under its required terms (matcher.anchors: words one of which any
message it matches must hold, the rarest it has). A message picks its candidate queries in two
steps that each run in C, and only those candidates (and the few queries that may match without
any word: a field alone, an exclusion) are evaluated, by the same compiled query as everywhere:

- whole words: the message's set of words intersected with the index of whole-word terms (a
  hash join; the message's words are read anyway, the evaluation needs them);
- prefixes (« manif* ») and endings (« ?cole »): one Hyperscan database of all of them scans the
  folded text once. Hyperscan's \\b knows ASCII letters only, so a term beginning or ending with
  another letter is looked for without it there: a candidate more, never one fewer. Where
  Hyperscan is not installed (it ships for x86-64), a lookup per word and per prefix length.

A loop over every query for every message is the naive baseline bench/listening.py measures this
against; tests/listening/test_standing.py checks both give the same matches.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from animateur.listening.matcher import Compiled, Cost, Doc, Test, anchors, compile_query, length_cost
from animateur.listening.query import QueryError

try:
    import hyperscan
except ImportError:  # pragma: no cover - a platform without Hyperscan's wheels
    hyperscan = None  # type: ignore[assignment]

_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")


# In UTF-8 bytes: one character of a word (an ASCII one, or the bytes of any other), any number of them.
_ONE = rb"(?:[0-9A-Za-z_#@]|[\xc0-\xff][\x80-\xbf]{1,3})"
_ANY = rb"(?:[0-9A-Za-z_#@]|[\x80-\xff])*"
# Between the words of a phrase: what is not an ASCII letter (a space, « ' », « - », but also
# « # », a letter of another alphabet: a candidate more, never one fewer).
_SEPARATOR = rb"[^0-9A-Za-z_]+"


def _literal(text: str) -> bytes:
    return b"".join(
        re.escape(char).encode() if char.isascii() else b"".join(b"\\x%02x" % byte for byte in char.encode())
        for char in text
    )


def _affix_pattern(kind: str, word: str) -> bytes:
    """The Hyperscan expression of a term: « \\bmanif » for manif*, « cole\\b » for an ending, and
    for a whole pattern (« ?cole », « e*ation ») its letters with a character, or any, between.

    \\b stands only beside an ASCII letter (Hyperscan's \\b knows no other): a candidate more,
    never one fewer; « ? » may stand for any letter, of one byte or several."""
    if kind == '"':
        return _SEPARATOR.join(_affix_pattern("?", part) for part in word.split())
    bare = word.lstrip("#@")
    before = r"\b" if kind in "*?" and _ASCII_WORD.match(bare[0]) else ""
    after = r"\b" if kind in "$?" and _ASCII_WORD.match(bare[-1]) else ""
    if kind != "?":
        return before.encode() + _literal(bare) + after.encode()
    body = b"".join(_ONE if char == "?" else _ANY if char == "*" else _literal(char) for char in bare)
    return before.encode() + body + after.encode()


class _AffixScanner:
    """One Hyperscan database of every prefix and ending; a scratch space per thread."""

    def __init__(self, patterns: list[bytes]) -> None:
        assert hyperscan is not None
        self.database = hyperscan.Database()
        flags = hyperscan.HS_FLAG_SINGLEMATCH
        self.database.compile(
            expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns), flags=[flags] * len(patterns)
        )
        self._local = threading.local()

    def scan(self, text: bytes) -> list[int]:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self.database)
        found: list[int] = []
        add = found.append

        def on_match(pattern: int, _start: int, _end: int, _flags: int, _context: Any) -> None:
            add(pattern)

        self.database.scan(text, match_event_handler=on_match, scratch=scratch)
        return found


@dataclass
class StandingIndex:
    queries: list[Compiled] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)
    # Hyperscan's pattern number -> the queries filed under that prefix or ending.
    affixes: list[list[int]] = field(default_factory=list)
    scanner: _AffixScanner | None = None
    # Without Hyperscan: the same terms looked up per word and per length.
    prefixes: dict[str, list[int]] = field(default_factory=dict)
    prefix_lengths: tuple[int, ...] = ()
    suffixes: dict[str, list[int]] = field(default_factory=dict)
    suffix_lengths: tuple[int, ...] = ()
    always: list[int] = field(default_factory=list)
    # What `matching` reads per term: the tests of the queries filed under it alone, with their keys
    # (each is tried once at most, no set of candidates is built), and the positions of those filed
    # under several terms (tried once however many of their terms the message holds).
    _exact_entries: dict[str, tuple[list[tuple[Test, int]], list[int]]] = field(default_factory=dict)
    _affix_entries: list[tuple[list[tuple[Test, int]], list[int]]] = field(default_factory=list)

    def _entries(self, positions: list[int], filed: list[int]) -> tuple[list[tuple[Test, int]], list[int]]:
        solo = [(self.queries[i].test, self.keys[i]) for i in positions if filed[i] == 1]
        return solo, [i for i in positions if filed[i] > 1]

    @classmethod
    def build(
        cls, queries: Iterable[tuple[int, str]], cost: Cost = length_cost, *, use_hyperscan: bool = True
    ) -> StandingIndex:
        """From (key, query) pairs; a query that no longer parses is left out (it cannot match).

        `cost` says how common a term is (matcher.frequency_cost, from a sample of the stream):
        each query is filed under its rarest terms, so that few are tried per message."""
        index = cls()
        lengths: set[int] = set()
        end_lengths: set[int] = set()
        affix_numbers: dict[tuple[str, str], int] = {}
        # With Hyperscan, a term with « ? » or an inner « * » is looked for as a whole (its letters
        # around one character or any); else by its longest fixed beginning or end.
        scanning = use_hyperscan and hyperscan is not None
        for key, text in queries:
            try:
                compiled = compile_query(text)
            except QueryError:
                continue
            position = len(index.queries)
            index.queries.append(compiled)
            index.keys.append(key)
            filed_under = anchors(compiled.tree, cost, wildcards=scanning)
            if filed_under is None:
                index.always.append(position)
                continue
            for kind, word in filed_under:
                if kind == "=":
                    index.exact.setdefault(word, []).append(position)
                    continue
                number = affix_numbers.setdefault((kind, word), len(affix_numbers))
                if number == len(index.affixes):
                    index.affixes.append([])
                index.affixes[number].append(position)
                if kind == "*":
                    index.prefixes.setdefault(word, []).append(position)
                    lengths.add(len(word))
                elif kind == "$":
                    index.suffixes.setdefault(word, []).append(position)
                    end_lengths.add(len(word))
        index.prefix_lengths = tuple(sorted(lengths))
        index.suffix_lengths = tuple(sorted(end_lengths))
        if affix_numbers and scanning:
            index.scanner = _AffixScanner([_affix_pattern(kind, word) for kind, word in affix_numbers])
        filed = [0] * len(index.queries)
        for positions in [*index.exact.values(), *index.affixes]:
            for i in positions:
                filed[i] += 1
        index._exact_entries = {word: index._entries(positions, filed) for word, positions in index.exact.items()}
        index._affix_entries = [index._entries(positions, filed) for positions in index.affixes]
        return index

    def __len__(self) -> int:
        return len(self.queries)

    def candidates(self, doc: Doc) -> set[int]:
        found: set[int] = set(self.always)
        exact = self.exact
        for word in exact.keys() & doc.word_set:
            found.update(exact[word])
        if self.scanner is not None:
            affixes = self.affixes
            for number in self.scanner.scan(doc.folded.encode()):
                found.update(affixes[number])
        elif self.affixes:
            self._affix_lookups(doc, found)
        return found

    def _affix_lookups(self, doc: Doc, found: set[int]) -> None:
        prefixes, lengths = self.prefixes, self.prefix_lengths
        suffixes, end_lengths = self.suffixes, self.suffix_lengths
        for word in doc.word_set:
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

    def matching(self, doc: Doc) -> list[int]:
        """The keys of the queries that match the message: the candidates, each evaluated once."""
        if self.scanner is None:
            queries, keys = self.queries, self.keys
            return [keys[i] for i in self.candidates(doc) if queries[i].test(doc)]
        found: list[int] = []
        add = found.append
        shared: set[int] = set(self.always)
        entries = self._exact_entries
        buckets = [entries[word] for word in entries.keys() & doc.word_set]
        affixes = self._affix_entries
        buckets += [affixes[number] for number in self.scanner.scan(doc.folded.encode())]
        for solo, several in buckets:
            for test, key in solo:
                if test(doc):
                    add(key)
            if several:
                shared.update(several)
        queries, keys = self.queries, self.keys
        for i in shared:
            if queries[i].test(doc):
                add(keys[i])
        return found

    def naive(self, doc: Doc) -> list[int]:
        """The same, by testing every query (the baseline, and the check of the index)."""
        return [key for key, query in zip(self.keys, self.queries, strict=True) if query.test(doc)]

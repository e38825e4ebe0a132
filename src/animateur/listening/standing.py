"""Standing queries: every saved search of a workspace tested on each new message, at the cost of
the few that could match it.

Each compiled query is filed under terms one of which any message it matches must hold (the
rarest it has): a whole word, a pair of words that follow each other (for a phrase), or a word
pattern (« manif* », « gr?ve »). A message finds its candidate queries with set operations that
run in C, over its words and its pairs of neighbouring words:

- whole words and pairs: the message's words (and pairs) intersected with the index's;
- word patterns: each word the stream has shown is looked up once in the index's table of the
  patterns it fits, learnt the first time the word is seen. One Hyperscan database of every
  pattern scans the new words of a message at once (a few per message once the stream's
  vocabulary is known), and each of its answers is checked in Python, so the table is exact.
  Where Hyperscan is not installed (it ships for x86-64), a lookup per prefix length and a
  regular expression per pattern of the word's length do the same, more slowly.

A query that holds whenever the term it is filed under is there (a word alone, « a OR b », a
phrase of two words, a pattern alone) is matched without being evaluated; the others (and the
few that may match without any word: a field alone, an exclusion) are evaluated by the same
compiled query as everywhere, once per message however many of their terms it holds.

A loop over every query for every message is the naive baseline bench/listening.py measures this
against; tests/listening/test_standing.py checks both give the same matches.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from animateur.listening.matcher import Compiled, Cost, Doc, Test, compile_query, length_cost
from animateur.listening.query import Field as FieldNode
from animateur.listening.query import Near, Node, Not, Or, QueryError, Words

try:
    import hyperscan
except ImportError:  # pragma: no cover - a platform without Hyperscan's wheels
    hyperscan = None  # type: ignore[assignment]

_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")
# How many words the table of patterns remembers before it starts again (it relearns as it reads).
MAX_LEARNT_WORDS = 300_000

# In UTF-8 bytes: one character of a word (an ASCII one, or the bytes of any other), any number of them.
_ONE = rb"(?:[0-9A-Za-z_#@]|[\xc0-\xff][\x80-\xbf]{1,3})"
_ANY = rb"(?:[0-9A-Za-z_#@]|[\x80-\xff])*"

# A term a query is filed under: ("=", word), ("2", "first second") two words one after the
# other, ("*", stem) a word starting so, ("?", pattern) a word the pattern fits.
Term = tuple[str, str]


def _literal(text: str) -> bytes:
    return b"".join(
        re.escape(char).encode() if char.isascii() else b"".join(b"\\x%02x" % byte for byte in char.encode())
        for char in text
    )


def _pattern_expression(kind: str, word: str) -> bytes:
    """The Hyperscan expression of a word pattern: « \\bmanif » for manif*, and for « gr?ve » its
    letters with one character between.

    \\b stands only beside an ASCII letter (Hyperscan's \\b knows no other), « # » and « @ » are
    left out: a word more, never one fewer, and each answer is checked (_fits)."""
    bare = word.lstrip("#@")
    before = rb"\b" if _ASCII_WORD.match(bare[0]) else b""
    if kind == "*":
        return before + _literal(bare)
    after = rb"\b" if _ASCII_WORD.match(bare[-1]) else b""
    body = b"".join(_ONE if char == "?" else _ANY if char == "*" else _literal(char) for char in bare)
    return before + body + after


def _word_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def _fits(kind: str, word: str) -> Callable[[str], bool]:
    """Whether a word of a message fits the pattern, exactly as the compiled query reads it."""
    if kind == "*":
        return lambda candidate: candidate.startswith(word)
    regex = _word_regex(word)
    return lambda candidate: regex.fullmatch(candidate) is not None


# --- what each query is filed under -------------------------------------------------------------


def _is_plain(pattern: str) -> bool:
    return "*" not in pattern and "?" not in pattern


def _pattern_term(pattern: str) -> Term:
    if _is_plain(pattern):
        return ("=", pattern)
    if pattern.endswith("*") and _is_plain(pattern[:-1]):
        return ("*", pattern[:-1])
    return ("?", pattern)


def _term_cost(term: Term, cost: Cost) -> float:
    kind, word = term
    if kind == "2":
        first, second = word.split(" ")
        # Two words side by side: rarer than either (by how much, the sample does not say).
        return min(cost(("=", first)), cost(("=", second))) / 2
    if kind == "?":
        fixed = re.split(r"[?*]", word)
        longest = max(fixed, key=len)
        return cost(("*", longest))
    return cost((kind, word))


def _words_terms(patterns: tuple[str, ...], cost: Cost) -> tuple[frozenset[Term], bool]:
    """The best term of a word or phrase, and whether finding it is enough (the node then holds)."""
    if len(patterns) == 1:
        return frozenset({_pattern_term(patterns[0])}), True
    options = [_pattern_term(p) for p in patterns]
    options += [
        ("2", f"{a} {b}") for a, b in zip(patterns, patterns[1:], strict=False) if _is_plain(a) and _is_plain(b)
    ]
    best = min(options, key=lambda t: _term_cost(t, cost))
    return frozenset({best}), best[0] == "2" and len(patterns) == 2


def _terms(node: Node, cost: Cost) -> tuple[frozenset[Term], frozenset[Term]] | None:
    """(terms, sure): one of the terms is in every message the node matches, and a message holding
    one of the `sure` terms is matched. None when the node may match without any term."""
    if isinstance(node, Words):
        found, enough = _words_terms(node.patterns, cost)
        return found, found if enough else frozenset()
    if isinstance(node, Near):
        sides = [_words_terms(node.left.patterns, cost)[0], _words_terms(node.right.patterns, cost)[0]]
        return min(sides, key=lambda f: sum(_term_cost(t, cost) for t in f)), frozenset()
    if isinstance(node, FieldNode | Not):
        return None
    children = [_terms(c, cost) for c in node.children]
    if isinstance(node, Or):
        if any(c is None for c in children):
            return None
        known = [c for c in children if c is not None]
        return frozenset().union(*(c[0] for c in known)), frozenset().union(*(c[1] for c in known))
    usable = [c for c in children if c is not None and c[0]]
    if not usable:
        return None
    best = min(usable, key=lambda c: sum(_term_cost(t, cost) for t in c[0]))
    # Under AND, a term is enough only when the AND has that one child.
    return best[0], best[1] if len(node.children) == 1 else frozenset()


# --- the index ------------------------------------------------------------------------------------


@dataclass
class _Bucket:
    """The queries filed under one term."""

    sure: list[int] = field(default_factory=list)  # positions: matched by the term
    check: list[int] = field(default_factory=list)  # positions: to evaluate


class _PatternScanner:
    """One Hyperscan database of every word pattern; a scratch space per thread."""

    def __init__(self, expressions: list[bytes]) -> None:
        assert hyperscan is not None
        self.database = hyperscan.Database()
        # Each pattern found once per scan, and a scan per word: compiled several times faster.
        flags = [hyperscan.HS_FLAG_SINGLEMATCH] * len(expressions)
        self.database.compile(
            expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
        )
        self._local = threading.local()

    def scan(self, word: str) -> list[int]:
        """The patterns found in a word."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self.database)
        found: list[int] = []
        add = found.append

        def on_match(pattern: int, _start: int, _end: int, _flags: int, _context: Any) -> None:
            add(pattern)

        self.database.scan(word.encode(), match_event_handler=on_match, scratch=scratch)
        return found


@dataclass
class StandingIndex:
    queries: list[Compiled] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    always: list[int] = field(default_factory=list)
    words: dict[str, _Bucket] = field(default_factory=dict)
    pairs: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    # Word patterns: their terms, checks and buckets, in the scanner's order.
    patterns: list[Term] = field(default_factory=list)
    pattern_buckets: list[_Bucket] = field(default_factory=list)
    pattern_fits: list[Callable[[str], bool]] = field(default_factory=list)
    scanner: _PatternScanner | None = None
    # Without Hyperscan: the stems by length, and the other patterns by the words' lengths they fit.
    stems: dict[str, list[int]] = field(default_factory=dict)
    stem_lengths: tuple[int, ...] = ()
    sized: dict[int, list[int]] = field(default_factory=dict)
    open_ended: list[int] = field(default_factory=list)
    # Every word seen so far, and of those the ones that are (a whole word) or fit (a pattern) some
    # terms, with the numbers of those terms: a message's words are looked up by set operations in C.
    _seen: set[str] = field(default_factory=set, init=False, repr=False)
    _learnt: dict[str, tuple[int, ...]] = field(default_factory=dict, init=False, repr=False)
    _termful: set[str] = field(default_factory=set, init=False, repr=False)
    # What matching reads: each term by its number (words, then pairs, then patterns), and the
    # positions of the queries it matches (sure) or makes to evaluate, so that gathering them runs in C.
    _word_terms: dict[str, int] = field(default_factory=dict)
    _pair_terms: dict[tuple[str, str], int] = field(default_factory=dict)
    _sure: list[tuple[int, ...]] = field(default_factory=list)
    _check: list[tuple[int, ...]] = field(default_factory=list)
    _tests: list[Test] = field(default_factory=list)
    _first_pattern: int = 0

    @classmethod
    def build(
        cls, queries: Iterable[tuple[int, str]], cost: Cost = length_cost, *, use_hyperscan: bool = True
    ) -> StandingIndex:
        """From (key, query) pairs; a query that no longer parses is left out (it cannot match).

        `cost` says how common a term is (matcher.frequency_cost, from a sample of the stream):
        each query is filed under its rarest terms, so that few are tried per message."""
        index = cls()
        filed: list[tuple[int, frozenset[Term], frozenset[Term]]] = []
        for key, text in queries:
            try:
                compiled = compile_query(text)
            except QueryError:
                continue
            position = len(index.queries)
            index.queries.append(compiled)
            index.keys.append(key)
            found = _terms(compiled.tree, cost)
            if found is None or not found[0]:
                index.always.append(position)
            else:
                filed.append((position, found[0], found[1]))
        numbers: dict[Term, int] = {}
        for position, terms, sure in filed:
            for term in terms:
                bucket = index._bucket(term, numbers)
                (bucket.sure if term in sure else bucket.check).append(position)
        buckets = [*index.words.values(), *index.pairs.values(), *index.pattern_buckets]
        index._word_terms = {word: number for number, word in enumerate(index.words)}
        index._pair_terms = {pair: len(index.words) + number for number, pair in enumerate(index.pairs)}
        index._first_pattern = len(index.words) + len(index.pairs)
        index._sure = [tuple(b.sure) for b in buckets]
        index._check = [tuple(b.check) for b in buckets]
        index._tests = [compiled.test for compiled in index.queries]
        if index.patterns and use_hyperscan and hyperscan is not None:
            index.scanner = _PatternScanner([_pattern_expression(kind, word) for kind, word in index.patterns])
        else:
            lengths: set[int] = set()
            for number, (kind, word) in enumerate(index.patterns):
                if kind == "*":
                    index.stems.setdefault(word, []).append(number)
                    lengths.add(len(word))
                elif word.endswith("*"):
                    index.open_ended.append(number)
                else:
                    index.sized.setdefault(len(word), []).append(number)
            index.stem_lengths = tuple(sorted(lengths))
        return index

    def _bucket(self, term: Term, numbers: dict[Term, int]) -> _Bucket:
        kind, word = term
        if kind == "=":
            return self.words.setdefault(word, _Bucket())
        if kind == "2":
            first, second = word.split(" ")
            return self.pairs.setdefault((first, second), _Bucket())
        number = numbers.get(term)
        if number is None:
            number = numbers[term] = len(self.patterns)
            self.patterns.append(term)
            self.pattern_buckets.append(_Bucket())
            self.pattern_fits.append(_fits(kind, word))
        return self.pattern_buckets[number]

    def __len__(self) -> int:
        return len(self.queries)

    # --- word patterns: learnt once per word ---------------------------------------------------

    def _learn(self, word: str) -> tuple[int, ...]:
        """The numbers of the terms a word of the stream is or fits (the first time it is seen)."""
        found: list[int] = []
        exact = self._word_terms.get(word)
        if exact is not None:
            found.append(exact)
        if self.patterns:
            fits, first = self.pattern_fits, self._first_pattern
            numbers = self.scanner.scan(word) if self.scanner is not None else self._lookups(word)
            found += [first + number for number in numbers if fits[number](word)]
        return tuple(found)

    def _lookups(self, word: str) -> list[int]:
        """Without Hyperscan: the patterns a word may fit (each then checked)."""
        found: list[int] = []
        for length in self.stem_lengths:
            if length > len(word):
                break
            found += self.stems.get(word[:length], ())
        found += self.sized.get(len(word), ())
        found += self.open_ended
        return found

    def _terms_in(self, doc: Doc) -> set[int]:
        """The numbers of the terms the message holds (each once, however many times it holds it)."""
        words = doc.word_set
        new = words - self._seen
        if new:
            self._learn_words(new)
        learnt = self._learnt
        found = set(chain.from_iterable(map(learnt.__getitem__, words & self._termful)))
        pairs = self._pair_terms
        if pairs:
            in_order = doc.words
            found.update(map(pairs.__getitem__, pairs.keys() & zip(in_order, in_order[1:], strict=False)))
        return found

    def _learn_words(self, words: Iterable[str]) -> None:
        """Remembers words read for the first time, with their terms; starts again when it grows large."""
        if len(self._seen) >= MAX_LEARNT_WORDS:
            self._seen.clear()
            self._learnt.clear()
            self._termful.clear()
        for word in words:
            self._seen.add(word)
            terms = self._learn(word)
            if terms:
                self._learnt[word] = terms
                self._termful.add(word)

    def candidates(self, doc: Doc) -> set[int]:
        """The positions of the queries that may match (for tests: a superset of the matches)."""
        found = set(self.always)
        for term in self._terms_in(doc):
            found.update(self._sure[term], self._check[term])
        return found

    def matching(self, doc: Doc) -> list[int]:
        """The keys of the queries that match the message: the sure ones without evaluating them,
        the other candidates each evaluated once."""
        terms = self._terms_in(doc)
        sure = set(chain.from_iterable(map(self._sure.__getitem__, terms)))
        check = set(chain.from_iterable(map(self._check.__getitem__, terms)))
        if self.always:
            check.update(self.always)
        keys = self.keys
        found = list(map(keys.__getitem__, sure))
        if check:
            check -= sure
            tests = self._tests
            found += [keys[i] for i in check if tests[i](doc)]
        return found

    def naive(self, doc: Doc) -> list[int]:
        """The same, by testing every query (the baseline, and the check of the index)."""
        return [key for key, query in zip(self.keys, self.queries, strict=True) if query.test(doc)]

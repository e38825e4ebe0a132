"""A parsed query compiled once into a function over a message's words and fields.

A message is read once into a `Doc` (its folded words, their positions, its author's and
channel's words, its language, sentiment, kind and the sites it links to); every compiled query
then tests that Doc with set lookups, so one message costs the same whatever the number of
queries that read it. `anchors` says which words a message must hold for a query to have any
chance: the SQL pre-filter of a backtest and the index of standing queries read it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from animateur.listening.query import (
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Words,
    folded_words,
    normalize_apostrophes,
    parse,
)
from animateur.stream.folding import fold

Test = Callable[["Doc"], bool]

_NAME_WORD = re.compile(r"\w+")
_LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
_HREF = re.compile(r"href=[\"']([^\"']+)", re.IGNORECASE)
_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/?#]*@)?([^/:?#]+)")


def host_of(link: str) -> str:
    """« https://www.Exemple.fr/x » → « exemple.fr »; "" when the link has no host name."""
    found = _HOST.match(link.strip().lower())
    host = found.group(1).strip(".,;") if found else ""
    return host.removeprefix("www.") if "." in host else ""


def name_words(*names: str) -> list[str]:
    words: list[str] = []
    for name in names:
        if name:
            words.extend(_NAME_WORD.findall(fold(normalize_apostrophes(name))))
    return words


@dataclass(slots=True)
class Doc:
    """What queries read of one message."""

    words: list[str]
    author_words: list[str] = field(default_factory=list)
    channel_kind: str = ""
    channel_words: list[str] = field(default_factory=list)
    language: str = ""
    sentiment: str = ""
    kind: str = ""
    hosts: frozenset[str] = frozenset()
    # The host of the message's own address: site: finds it, but it is not a site the message links to.
    address_host: str = ""
    # The folded text the words were read from (Doc.of looks in it for a link without its scheme).
    folded: str = ""

    # Read once, when first asked (a plain attribute: functools.cached_property takes a lock per read
    # on Python 3.11, which a query's test pays dozens of times a message).
    word_set: frozenset[str] = field(init=False, repr=False, compare=False)
    _sorted: list[str] | None = field(default=None, init=False, repr=False, compare=False)
    _by_length: dict[int, list[str]] | None = field(default=None, init=False, repr=False, compare=False)
    _positions: dict[str, list[int]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.word_set = frozenset(self.words)

    @property
    def linked_hosts(self) -> frozenset[str]:
        return self.hosts - {self.address_host} if self.address_host else self.hosts

    @property
    def sorted_words(self) -> list[str]:
        """The distinct words in order: a prefix is looked for by bisection, not by reading them all."""
        if self._sorted is None:
            self._sorted = sorted(self.word_set)
        return self._sorted

    def has_prefix(self, stem: str) -> bool:
        ordered = self.sorted_words
        at = bisect_left(ordered, stem)
        return at < len(ordered) and ordered[at].startswith(stem)

    def with_prefix(self, stem: str) -> list[str]:
        ordered = self.sorted_words
        at = bisect_left(ordered, stem)
        found = []
        while at < len(ordered) and ordered[at].startswith(stem):
            found.append(ordered[at])
            at += 1
        return found

    @property
    def by_length(self) -> dict[int, list[str]]:
        if self._by_length is None:
            found: dict[int, list[str]] = {}
            for word in self.word_set:
                found.setdefault(len(word), []).append(word)
            self._by_length = found
        return self._by_length

    @property
    def positions(self) -> dict[str, list[int]]:
        if self._positions is None:
            found: dict[str, list[int]] = {}
            for index, word in enumerate(self.words):
                found.setdefault(word, []).append(index)
            self._positions = found
        return self._positions

    @classmethod
    def of(
        cls,
        text: str,
        *,
        title: str = "",
        author: str = "",
        channel_kind: str = "",
        channel_name: str = "",
        language: str | None = "",
        sentiment: str | None = "",
        kind: str = "",
        url: str = "",
        html: str = "",
    ) -> Doc:
        body = f"{title}\n{text}" if title else text
        folded, words = folded_words(body)
        # Most messages link nowhere and have no address: the link patterns run only where a link may be.
        links = _LINK.findall(body) if ("://" in body or "www." in folded) else []
        if html:
            links += _HREF.findall(html)
        hosts: frozenset[str] = frozenset()
        address = ""
        if links or url:
            address = host_of(url) if url else ""
            linked = {h for h in (host_of(link) for link in links) if h}
            hosts = frozenset(linked | {address}) - {""}
            address = address if address not in linked else ""
        return cls(
            words=words,
            folded=folded,
            author_words=name_words(author) if author else [],
            channel_kind=channel_kind.lower() if channel_kind else "",
            channel_words=name_words(channel_name) if channel_name else [],
            language=language.lower().split("-")[0] if language else "",
            sentiment=sentiment or "",
            kind=kind or "",
            hosts=hosts,
            address_host=address,
        )

    @classmethod
    def of_words(
        cls, text: str, *, title: str = "", language: str | None = "", sentiment: str | None = "", kind: str = ""
    ) -> Doc:
        """What a query that reads no name and no site (reads_names) reads of a message: its words
        and fields as Doc.of reads them, without its author's and channel's words or its links."""
        folded, words = folded_words(f"{title}\n{text}" if title else text)
        return cls(
            words=words,
            folded=folded,
            language=language.lower().split("-")[0] if language else "",
            sentiment=sentiment or "",
            kind=kind or "",
        )

    @classmethod
    def of_message(cls, message: Any) -> Doc:
        """A stream Message (its author and channel loaded with it, or fetched here)."""
        author = message.author
        channel = message.channel
        return cls.of(
            message.text or "",
            title=message.title or "",
            author=f"{author.handle} {author.display_name}" if author is not None else "",
            channel_kind=channel.kind,
            channel_name=channel.name,
            language=message.language,
            sentiment=message.sentiment,
            kind=message.kind,
            url=message.url or "",
            html=message.html or "",
        )


# --- words and phrases ------------------------------------------------------------------------


def _word_regex(pattern: str) -> re.Pattern[str] | None:
    """None for a plain word (compared as it is), else the regex of its « * » and « ? »."""
    if "*" not in pattern and "?" not in pattern:
        return None
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(body)


def _positions(pattern: str, regex: re.Pattern[str] | None, doc: Doc, words: list[str]) -> Iterable[int]:
    if regex is None:
        if words is doc.words:
            return doc.positions.get(pattern, ())
        return [i for i, w in enumerate(words) if w == pattern]
    return [i for i, w in enumerate(words) if regex.fullmatch(w)]


def _spans_finder(patterns: tuple[str, ...]) -> Callable[[Doc, list[str]], list[tuple[int, int]]]:
    """Where the words follow each other in a list of words: (first index, last index) of each place."""
    regexes = [_word_regex(p) for p in patterns]
    rest = list(zip(patterns[1:], regexes[1:], strict=True))

    def fits(word: str, pattern: str, regex: re.Pattern[str] | None) -> bool:
        return word == pattern if regex is None else regex.fullmatch(word) is not None

    def spans(doc: Doc, words: list[str]) -> list[tuple[int, int]]:
        found = []
        size = len(words)
        for start in _positions(patterns[0], regexes[0], doc, words):
            if start + len(rest) < size and all(fits(words[start + 1 + k], p, r) for k, (p, r) in enumerate(rest)):
                found.append((start, start + len(rest)))
        return found

    return spans


def _words_test(node: Words) -> Test:
    patterns = node.patterns
    if len(patterns) == 1:
        only = patterns[0]
        regex = _word_regex(only)
        if regex is None:
            return lambda doc: only in doc.word_set
        if only.endswith("*") and "*" not in only[:-1] and "?" not in only:
            stem = only[:-1]
            return lambda doc: doc.has_prefix(stem)
        cut = min(i for i in (only.find("*"), only.find("?")) if i >= 0)
        beginning = only[:cut]
        if "*" not in only:  # « ? » alone: only words of that length, and with its fixed end, are read
            size, end = len(only), only[only.rfind("?") + 1 :]

            def fits(doc: Doc) -> bool:
                for word in doc.word_set:  # noqa: SIM110 - a loop: no generator made per message
                    if len(word) == size and word.endswith(end) and regex.fullmatch(word):
                        return True
                return False

            return fits
        if beginning:  # the words of its fixed beginning, found by bisection
            return lambda doc: any(regex.fullmatch(w) for w in doc.with_prefix(beginning))
        return lambda doc: any(regex.fullmatch(w) for w in doc.word_set)
    spans = _spans_finder(patterns)
    if all(_word_regex(p) is None for p in patterns):
        # Plain words: each pair of neighbours must be a pair of neighbours of the message (a set
        # test), which is the whole answer for two words.
        return _plain_phrase_test(patterns)
    firsts = frozenset(p for p in patterns if _word_regex(p) is None)
    # A phrase whose plain words are not all in the message cannot be there: a set test first.
    return lambda doc: firsts <= doc.word_set and bool(spans(doc, doc.words))


def _plain_phrase_test(patterns: tuple[str, ...]) -> Test:
    """Plain words one after the other: the first word found by list.index (in C), the others
    compared after it; no table of the message's words is built for one phrase."""
    first, rest = patterns[0], list(patterns[1:])
    needed = frozenset(patterns)
    size = len(rest)

    def test(doc: Doc) -> bool:
        if not needed <= doc.word_set:
            return False
        words = doc.words
        last = len(words) - size
        at = -1
        while True:
            try:
                at = words.index(first, at + 1, last)
            except ValueError:
                return False
            if words[at + 1 : at + 1 + size] == rest:
                return True

    return test


def _near_test(node: Near) -> Test:
    left, right = _spans_finder(node.left.patterns), _spans_finder(node.right.patterns)
    distance, ordered = node.distance, node.ordered
    # The plain words of both sides must be there before any position is read.
    needed = frozenset(p for p in node.left.patterns + node.right.patterns if _word_regex(p) is None)

    def test(doc: Doc) -> bool:
        if not needed <= doc.word_set:
            return False
        rights = right(doc, doc.words)
        if not rights:
            return False
        for left_start, left_end in left(doc, doc.words):
            for right_start, right_end in rights:
                if 0 <= right_start - left_end - 1 <= distance:
                    return True
                if not ordered and 0 <= left_start - right_end - 1 <= distance:
                    return True
        return False

    return test


def _field_test(node: Field) -> Test:
    value = node.value
    if node.name == "lang":
        return lambda doc: doc.language == value
    if node.name == "sentiment":
        return lambda doc: doc.sentiment == value
    if node.name == "kind":
        return lambda doc: doc.kind == value
    if node.name == "site":
        suffix = "." + value
        return lambda doc: any(h == value or h.endswith(suffix) for h in doc.hosts)
    spans = _spans_finder(tuple(value.split()))
    if node.name == "author":
        return lambda doc: bool(spans(doc, doc.author_words))
    return lambda doc: doc.channel_kind == value or bool(spans(doc, doc.channel_words))


def _plain_word(node: Node) -> str | None:
    """The word of a term without « * » or « ? », else None."""
    if isinstance(node, Words) and len(node.patterns) == 1 and _word_regex(node.patterns[0]) is None:
        return node.patterns[0]
    return None


def compile_node(node: Node) -> Test:
    """The node as a function of a Doc. Plain words under AND, OR and NOT become one set operation
    (in C) rather than one call each: most queries are mostly words."""
    if isinstance(node, Words):
        return _words_test(node)
    if isinstance(node, Near):
        return _near_test(node)
    if isinstance(node, Field):
        return _field_test(node)
    if isinstance(node, Not):
        child = compile_node(node.child)
        return lambda doc: not child(doc)
    if isinstance(node, Or):
        words = frozenset(w for w in map(_plain_word, node.children) if w is not None)
        alternatives = [compile_node(c) for c in node.children if _plain_word(c) is None]
        if not alternatives:
            return lambda doc: not words.isdisjoint(doc.word_set)

        def any_of(doc: Doc) -> bool:
            if not words.isdisjoint(doc.word_set):
                return True
            for test in alternatives:  # noqa: SIM110 - a loop: no generator made per message
                if test(doc):
                    return True
            return False

        return any_of
    required = frozenset(w for w in map(_plain_word, node.children) if w is not None)
    excluded = frozenset(
        w for w in (_plain_word(c.child) for c in node.children if isinstance(c, Not)) if w is not None
    )
    rest = [
        c
        for c in node.children
        if _plain_word(c) is None and not (isinstance(c, Not) and _plain_word(c.child) is not None)
    ]
    # The cheap tests first: a field is a comparison, a phrase or a proximity reads positions.
    tests = [compile_node(c) for c in sorted(rest, key=_cost)]

    def all_of(doc: Doc) -> bool:
        words = doc.word_set
        if not required <= words or not excluded.isdisjoint(words):
            return False
        for test in tests:  # noqa: SIM110 - a loop: no generator made per message
            if not test(doc):
                return False
        return True

    return all_of


def _cost(node: Node) -> int:
    if isinstance(node, Field) or (isinstance(node, Words) and not node.is_phrase):
        return 0
    return 2 if isinstance(node, Near) else 1


# --- anchors ----------------------------------------------------------------------------------

# ("=", word) the word itself; ("*", stem) a word starting with stem; ("$", end) a word ending so;
# With anchors(..., wildcards=True), for a matcher of patterns (standing): ("?", pattern) a word
# the pattern fits, ('"', "a b") the words of a phrase one after the other.
Anchor = tuple[str, str]
Cost = Callable[[Anchor], float]


def length_cost(anchor: Anchor) -> float:
    """Without word counts, a longer word is taken as rarer, and a whole word as rarer than a part."""
    kind, word = anchor
    return (1.0 if kind == "=" else 3.0) / (1 + len(word.lstrip("#@")))


def frequency_cost(counts: Mapping[str, int], messages: int) -> Cost:
    """In how many of `messages` sample messages the anchor's word was seen (parts: a guess by length)."""

    def cost(anchor: Anchor) -> float:
        kind, word = anchor
        if kind == "=":
            return counts.get(word, 0) + 0.5
        return messages * 4.0 / (1 + len(word)) ** 2

    return cost


def _pattern_anchor(pattern: str) -> Anchor | None:
    """A plain word is itself; a wildcard word is known by its longest fixed beginning or end."""
    if "*" not in pattern and "?" not in pattern:
        return ("=", pattern)
    cut = min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)
    beginning = pattern[:cut]
    end = pattern[pattern.rfind("?") + 1 :] if "*" not in pattern else ""
    if len(end) > len(beginning.lstrip("#@")):
        return ("$", end)
    return ("*", beginning) if beginning.lstrip("#@") else None


def _words_anchors(patterns: tuple[str, ...], cost: Cost, wildcards: bool) -> frozenset[Anchor] | None:
    found = [a for a in (_pattern_anchor(p) for p in patterns) if a is not None]
    if not found:
        return None
    if wildcards and len(patterns) > 1:
        return frozenset({('"', " ".join(patterns))})
    if wildcards and len(patterns) == 1 and ("?" in patterns[0] or "*" in patterns[0][:-1]):
        return frozenset({("?", patterns[0])})
    # One word of a phrase is enough to look for: the rarest.
    return frozenset({min(found, key=cost)})


def _anchor_cost(anchor: Anchor, cost: Cost) -> float:
    """A whole pattern or phrase costs what its rarest fixed part costs."""
    kind, word = anchor
    if kind not in ('"', "?"):
        return cost(anchor)
    parts = [a for a in (_pattern_anchor(p) for p in word.split()) if a is not None]
    return min((cost(a) for a in parts), default=cost(("*", "")))


def _total(found: frozenset[Anchor], cost: Cost) -> float:
    return sum(_anchor_cost(a, cost) for a in found)


def anchors(node: Node, cost: Cost = length_cost, *, wildcards: bool = False) -> frozenset[Anchor] | None:
    """Words one of which a matching message must hold, chosen as rare as `cost` says; None when the
    query may match without any (a field alone, an exclusion).

    A word with « ? » or an inner « * » is known by its longest fixed beginning or end, and a
    phrase by its rarest word; with `wildcards`, by their whole patterns instead."""
    if isinstance(node, Words):
        return _words_anchors(node.patterns, cost, wildcards)
    if isinstance(node, Near):
        sides = [
            f
            for f in (
                _words_anchors(node.left.patterns, cost, wildcards),
                _words_anchors(node.right.patterns, cost, wildcards),
            )
            if f
        ]
        return min(sides, key=lambda f: _total(f, cost)) if sides else None
    if isinstance(node, Field | Not):
        return None
    found = [anchors(c, cost, wildcards=wildcards) for c in node.children]
    if isinstance(node, Or):
        if any(f is None for f in found):
            return None
        return frozenset().union(*[f for f in found if f is not None])
    usable = [f for f in found if f]
    if not usable:
        return None
    return min(usable, key=lambda f: _total(f, cost))


@dataclass(frozen=True)
class Compiled:
    query: str
    tree: Node
    test: Test
    anchors: frozenset[Anchor] | None

    def matches(self, doc: Doc) -> bool:
        return self.test(doc)


def compile_query(query: str) -> Compiled:
    """The query compiled, or QueryError (from parse) naming the problem and where it is."""
    tree = parse(query)
    return Compiled(query, tree, compile_node(tree), anchors(tree))


def match_text(query: str, text: str, **fields: Any) -> bool:
    """One query over one text: for tests and the documentation's examples."""
    return compile_query(query).matches(Doc.of(text, **fields))


def reads_names(node: Node) -> bool:
    """Whether the query reads an author's or a channel's name or a site (else Doc.of_words is enough)."""
    if isinstance(node, Field):
        return node.name in ("author", "channel", "site")
    if isinstance(node, Not):
        return reads_names(node.child)
    if isinstance(node, And | Or):
        return any(reads_names(child) for child in node.children)
    return False


def terms_of(node: Node) -> list[str]:
    """The words a query looks for (not the ones it excludes), for highlighting and explanations."""
    if isinstance(node, Words):
        return [p.rstrip("*") for p in node.patterns]
    if isinstance(node, Near):
        return terms_of(node.left) + terms_of(node.right)
    if isinstance(node, Field | Not):
        return []
    return [t for c in node.children for t in terms_of(c)]


def doc_from_mapping(item: Mapping[str, Any]) -> Doc:
    """A message given as the command line reads it (`text`, `author`, `channel`, `language`, ...)."""
    return Doc.of(
        str(item.get("text") or ""),
        title=str(item.get("title") or ""),
        author=str(item.get("author") or ""),
        channel_kind=str(item.get("channel") or ""),
        channel_name=str(item.get("channel") or ""),
        language=str(item.get("language") or ""),
        sentiment=str(item.get("sentiment") or ""),
        kind=str(item.get("kind") or ""),
        url=str(item.get("url") or ""),
    )

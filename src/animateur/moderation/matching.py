"""Watched words: folding and one compiled matcher per workspace and action.

Text and patterns are folded the same way (NFKD, combining marks dropped, casefolded,
common leetspeak undone), so « debile » finds « débile », « DÉBILE » and « d3bile ».
Each folded character remembers the original character it came from, so censoring and
replacing act on the original text. Patterns are words or phrases, matched on word
boundaries; ``*`` stands for any letters inside a word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext

LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
CENSOR_CHAR = "■"


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.casefold().translate(LEET)


def fold(text: str) -> str:
    if text.isascii():
        # An ASCII character decomposes to itself and has no mark: fold_char is casefold and LEET.
        return text.casefold().translate(LEET)
    return "".join(map(fold_char, text))


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of its original character."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch) if not ch.isascii() or ch.isupper() or ch in "013457@$" else ch
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def pattern_regex(pattern: str) -> str:
    """A regex source for one folded pattern: words on word boundaries, ``*`` inside a word."""
    words = fold(pattern).split()
    if not words:
        raise ValueError(gettext("a word or phrase is needed"))
    parts = []
    for word in words:
        pieces = [re.escape(p) for p in word.split("*")]
        parts.append(r"\w*".join(pieces))
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


def validate_pattern(pattern: str) -> str:
    """The cleaned pattern, or ValueError naming the problem."""
    cleaned = " ".join((pattern or "").split())
    if not cleaned:
        raise ValueError(gettext("a word or phrase is needed"))
    if not fold(cleaned).replace("*", "").strip():
        raise ValueError(gettext("a word needs at least one letter besides the *"))
    if len(cleaned) > 200:
        raise ValueError(gettext("a word or phrase is at most 200 characters long"))
    return cleaned


@dataclass(frozen=True)
class Match:
    action: str
    pattern: str
    value: str
    start: int  # in the original text
    end: int
    found: str


@dataclass
class Matcher:
    """One alternation per action; the patterns behind it to tell which one matched."""

    by_action: dict[str, re.Pattern[str]] = field(default_factory=dict)
    patterns: dict[str, list[tuple[re.Pattern[str], str, str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, words: Iterable[tuple[str, str, str]]) -> Matcher:
        """From (pattern, action, value) triples."""
        grouped: dict[str, list[tuple[str, str, str]]] = {}
        for pattern, action, value in words:
            grouped.setdefault(action, []).append((pattern, pattern_regex(pattern), value))
        matcher = cls()
        for action, entries in grouped.items():
            # Longest first, so a phrase wins over one of its words at the same place.
            entries.sort(key=lambda e: -len(e[0]))
            matcher.by_action[action] = re.compile("|".join(f"(?:{src})" for _, src, _ in entries))
            matcher.patterns[action] = [(re.compile(src), pattern, value) for pattern, src, value in entries]
        return matcher

    def __bool__(self) -> bool:
        return bool(self.by_action)

    def find(self, text: str) -> list[Match]:
        if not self.by_action or not text:
            return []
        folded, index = fold_with_map(text)
        found: list[Match] = []
        for action, regex in self.by_action.items():
            for m in regex.finditer(folded):
                pattern, value = self._which(action, m.group(0))
                start = index[m.start()]
                end = index[m.end() - 1] + 1
                found.append(Match(action, pattern, value, start, end, text[start:end]))
        found.sort(key=lambda m: (m.start, m.action))
        return found

    def _which(self, action: str, folded_match: str) -> tuple[str, str]:
        for regex, pattern, value in self.patterns[action]:
            if regex.fullmatch(folded_match):
                return pattern, value
        return "", ""


def rewrite(text: str, matches: Iterable[Match]) -> str:
    """Censor (■ for each letter) and replace the matched spans of the original text."""
    edits = sorted((m for m in matches if m.action in ("censor", "replace")), key=lambda m: (m.start, -m.end))
    out: list[str] = []
    pos = 0
    for m in edits:
        if m.start < pos:  # overlaps an earlier edit
            continue
        out.append(text[pos : m.start])
        if m.action == "censor":
            out.append("".join(CENSOR_CHAR if not ch.isspace() else ch for ch in m.found))
        else:
            out.append(m.value)
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


_TAG = re.compile(r"(<[^>]*>)")


def rewrite_html(html: str, matcher: Matcher) -> str:
    """The same edits inside the text of sanitized HTML, never inside its tags."""
    parts = _TAG.split(html)
    for i, part in enumerate(parts):
        if part and not part.startswith("<"):
            parts[i] = rewrite(part, matcher.find(part))
    return "".join(parts)


@lru_cache(maxsize=256)
def compiled_for(workspace_id: int, version: str) -> Matcher:
    """The workspace's matcher, compiled once per version of its watched words."""
    from animateur.moderation.models import WatchedWord

    rows = WatchedWord.objects.filter(workspace_id=workspace_id).values_list("pattern", "action", "value")
    return Matcher.build(rows)


def matcher_for(workspace_id: int) -> Matcher:
    from animateur.moderation.prefs import words_version

    return compiled_for(workspace_id, words_version(workspace_id))

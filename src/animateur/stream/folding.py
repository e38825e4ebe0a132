"""Accent- and case-insensitive matching of messages' texts, on SQLite and PostgreSQL alike.

The stream has no full-text index of its own (the inbox indexes conversations, the space its
posts), so the stream page matches words within a bounded window of recent messages (see
stream.selectors). The folding is the community space's: « Débile » and « debile » both read
« debile ». SQLite matches each folded word with GLOB and a class per letter (« [eéèêëEÉÈÊË] »),
in C, so no Python runs per message; PostgreSQL, whose `unaccent` extension may not be installed,
folds with translate() over the accented letters of the Latin alphabets.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.models import Func, TextField

_SPECIAL = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


class _DropCombining(dict[int, int | None]):
    """str.translate table dropping combining marks, filled as characters are met (C-speed lookups)."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_DROP_COMBINING = _DropCombining()


def fold(text: str) -> str:
    """Lowercase text without its accents (« Débile » → « debile »); the same as the space's search.

    SQLite calls it once per message a search reads, hence translate() rather than a loop.
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return decomposed.translate(_DROP_COMBINING).lower()


def _letter_map() -> tuple[str, str]:
    """Each accented Latin letter whose fold is one plain letter, and that letter (for translate())."""
    source, target = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and folded.isascii() and folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


PG_FROM, PG_TO = _letter_map()


def _spellings() -> dict[str, str]:
    """Each plain letter or digit, and every character that folds into it (upper case and accents)."""
    found: dict[str, set[str]] = {}
    for code in range(0x20, 0x250):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and (folded.isalnum() or folded == "_"):
            found.setdefault(folded, {folded}).add(char)
    return {plain: "".join(sorted(chars)) for plain, chars in found.items()}


_SPELLINGS = _spellings()


def glob_pattern(word: str) -> str:
    """A GLOB pattern finding a folded word in any spelling of it: « fete » → « *[fF][eéèêëEÉÈÊË][tT][eé…]* »."""
    parts = []
    for char in word:
        spellings = _SPELLINGS.get(char) or "".join(sorted({char, char.upper(), char.lower()}))
        parts.append(f"[{spellings}]")
    return "*" + "".join(parts) + "*"


class Folded(Func):
    """The folded form of a text expression on PostgreSQL, to compare with `fold(words)`."""

    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # lower() after translate(): with a C collation PostgreSQL lowercases ASCII only, and by
        # then every letter the fold changes is ASCII. Œ, Æ and ß, which fold into two letters, are
        # spelled out first.
        template = (
            "lower(translate(replace(replace(replace(replace(replace(%(expressions)s, 'œ', 'oe'), 'Œ', 'oe'),"
            " 'æ', 'ae'), 'Æ', 'ae'), 'ß', 'ss'), %(source)s, %(target)s))"
        )
        sql, params = compiler.compile(self.source_expressions[0])
        return template % {"expressions": sql, "source": "%s", "target": "%s"}, (*params, PG_FROM, PG_TO)

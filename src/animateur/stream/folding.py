"""Accent- and case-insensitive matching of messages' texts, on SQLite and PostgreSQL alike.

The stream has no full-text index of its own (the inbox indexes conversations, the space its
posts), so the stream page matches words with LIKE on folded text, within a bounded window of
recent messages (see stream.selectors). The folding is the community space's: « Débile » and
« debile » both read « debile ». SQLite gets it as a function registered on each connection;
PostgreSQL, whose `unaccent` extension may not be installed, gets translate() over the accented
letters of the Latin alphabets, the ones this fold turns into plain letters.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, TextField

SQLITE_FUNCTION = "animateur_fold"
_SPECIAL = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


def fold(text: str) -> str:
    """Lowercase text without its accents (« Débile » → « debile »); the same as the space's search."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


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


def _sqlite_fold(value: Any) -> str | None:
    return None if value is None else fold(str(value))


def register(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: give SQLite the fold (PostgreSQL does it in SQL, see Folded)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _sqlite_fold, deterministic=True)


class Folded(Func):
    """The folded form of a text expression, to compare with `fold(words)`."""

    output_field = TextField()
    arity = 1

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra)

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

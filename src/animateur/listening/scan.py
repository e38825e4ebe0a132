"""Reading the stream's history for a query: SQL narrows, Python decides, in batches.

The database cannot run the query language, but it can leave out every message that holds none
of the query's anchor words (matcher.anchors), from listening's index of the stream (db.py): on
SQLite its FTS5 table (the anchors as words and prefixes), on PostgreSQL a folded LIKE that its
trigram index answers. Where the index cannot say (an ending, a letter FTS5 splits on, no
pg_trgm), a folded substring test of every row: a GLOB per word run in C (stream.folding), or
the folded LIKE. What is left is read a batch at a time,
in the order of the primary key, and each message is read once into a Doc that the compiled
query tests. Fields a query requires of every match (lang:, kind:, sentiment:) become filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.functions import Concat

from animateur.core.models import Workspace
from animateur.listening import db
from animateur.listening.matcher import Compiled, Doc, reads_names
from animateur.listening.query import And, Field, Node
from animateur.stream.folding import Folded, glob_pattern
from animateur.stream.models import Message, Visibility

BATCH = 2000
# Never matched: what moderation threw away, and what the source deleted.
LEFT_OUT = (Visibility.SPAM, Visibility.TRASH, Visibility.DELETED)
_COLUMNS = (
    "pk", "text", "title", "html", "url", "language", "sentiment", "kind", "created_at", "channel_id",
    "author__handle", "author__display_name",
)  # fmt: skip
# What a query that reads no name and no site needs (matcher.reads_names): no join, no html.
_WORD_COLUMNS = ("pk", "text", "title", "language", "sentiment", "kind", "created_at", "channel_id")


@dataclass(frozen=True)
class Row:
    message_id: int
    created_at: datetime
    channel_id: int
    doc: Doc


def listened(workspace: Workspace) -> QuerySet[Message]:
    return Message.objects.filter(workspace=workspace).exclude(visibility__in=LEFT_OUT)


def _required_fields(tree: Node) -> Q:
    """lang:, kind: and sentiment: that every match must have (at the top of the query)."""
    nodes = tree.children if isinstance(tree, And) else (tree,)
    where = Q()
    for node in nodes:
        if isinstance(node, Field) and node.name in ("lang", "kind", "sentiment"):
            column = {"lang": "language", "kind": "kind", "sentiment": "sentiment"}[node.name]
            where &= Q(**{column: node.value}) if node.name != "lang" else Q(language__istartswith=node.value)
    return where


_FTS_WORD = re.compile(r"[a-z0-9]+")


def _fts_query(anchors: frozenset[tuple[str, str]]) -> str | None:
    """The FTS5 query of the anchors (« "greve" OR "manif" * »), or None when one cannot be written
    as a word or a prefix of unicode61's tokens (an ending, « _ », a letter outside a-z)."""
    parts = []
    for kind, word in sorted(anchors):
        bare = word.lstrip("#@")
        if kind not in ("=", "*") or not _FTS_WORD.fullmatch(bare):
            return None
        parts.append(f'"{bare}"' + (" *" if kind == "*" else ""))
    return " OR ".join(parts)


def narrowed(qs: QuerySet[Message], compiled: Compiled) -> QuerySet[Message]:
    """Only the messages that may match: an anchor word in their text, the required fields."""
    qs = qs.filter(_required_fields(compiled.tree))
    if compiled.anchors is None:
        return qs
    # Substrings: « manif » for manif*, « rscci » for #rscci. A superset of the matches, never fewer.
    words = sorted({word.lstrip("#@") for _kind, word in compiled.anchors if word.lstrip("#@")})
    # « cœur » folds to « coeur », but SQLite's letter classes match one letter with one letter:
    # a word that may come from œ, æ or ß is not looked for in SQL (Python still decides).
    if not words or any(pair in word for word in words for pair in ("oe", "ae", "ss")):
        return qs
    if connection.vendor == "sqlite":
        match = _fts_query(compiled.anchors) if db.indexed(connection) else None
        if match is not None:
            fts = f"stream_message.id IN (SELECT rowid FROM {db.FTS} WHERE {db.FTS} MATCH %s)"  # noqa: S608 - a constant
            return qs.extra(where=[fts], params=[match])  # noqa: S610 - the query as a parameter
        where = " OR ".join(["(stream_message.title || ' ' || stream_message.text) GLOB %s"] * len(words))
        return qs.extra(where=[f"({where})"], params=[glob_pattern(w) for w in words])  # noqa: S610 - words as parameters
    if db.indexed(connection) and all(_FTS_WORD.fullmatch(w) for w in words):
        # The trigram index's own expression, so that PostgreSQL reads the index (ASCII words only:
        # its unaccent folds a few letters the stream's fold keeps, see db.py).
        where = " OR ".join([f"{db.PG_FOLDED} LIKE %s"] * len(words))
        return qs.extra(where=[f"({where})"], params=["%" + _like_escape(w) + "%" for w in words])  # noqa: S610
    qs = qs.alias(folded_text=Folded(Concat("title", Value(" "), "text", output_field=TextField())))
    condition = Q()
    for word in words:
        condition |= Q(folded_text__contains=word)
    return qs.filter(condition)


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def channel_names(workspace: Workspace) -> dict[int, tuple[str, str]]:
    from django.apps import apps

    channel_model = apps.get_model("channels", "Channel")  # the stream's channels sit a layer below
    return {
        pk: (kind, name)
        for pk, kind, name in channel_model.objects.filter(workspace=workspace).values_list("pk", "kind", "name")
    }


def rows(workspace: Workspace, qs: QuerySet[Message], batch: int = BATCH, *, names: bool = True) -> Iterator[list[Row]]:
    """The messages of qs as Docs, a batch at a time, in primary-key order (constant memory).

    Without `names` (a query that reads no author, channel or site: matcher.reads_names), only
    the words and the fields of each message are read, without its author, channel and links."""
    if not names:
        yield from _word_rows(qs, batch)
        return
    channels = channel_names(workspace)
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last).order_by("pk").values_list(*_COLUMNS)[:batch])
        if not chunk:
            return
        last = chunk[-1][0]
        made = []
        for pk, text, title, html, url, language, sentiment, kind, created_at, channel_id, handle, name in chunk:
            channel_kind, channel_name = channels.get(channel_id, ("", ""))
            doc = Doc.of(
                text or "", title=title or "", author=f"{handle or ''} {name or ''}", channel_kind=channel_kind,
                channel_name=channel_name, language=language, sentiment=sentiment, kind=kind, url=url or "",
                html=html or "",
            )  # fmt: skip
            made.append(Row(pk, created_at, channel_id, doc))
        yield made


def _word_rows(qs: QuerySet[Message], batch: int) -> Iterator[list[Row]]:
    """One query read a batch at a time (its index lookup, an FTS5 MATCH, made once, not per batch)."""
    of_words = Doc.of_words
    made: list[Row] = []
    for pk, text, title, language, sentiment, kind, created_at, channel_id in (
        qs.order_by("pk").values_list(*_WORD_COLUMNS).iterator(chunk_size=batch)
    ):
        doc = of_words(text or "", title=title or "", language=language, sentiment=sentiment, kind=kind)
        made.append(Row(pk, created_at, channel_id, doc))
        if len(made) == batch:
            yield made
            made = []
    if made:
        yield made


def matching_rows(workspace: Workspace, compiled: Compiled, qs: QuerySet[Message] | None = None) -> Iterator[list[Row]]:
    """Batches of the history's messages the query matches (a batch may be empty)."""
    source = narrowed(qs if qs is not None else listened(workspace), compiled)
    for batch in rows(workspace, source, names=reads_names(compiled.tree)):
        yield [row for row in batch if compiled.matches(row.doc)]

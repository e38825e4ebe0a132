# ruff: noqa: S608 - every statement here is built from this module's constants; words go as parameters
"""Listening's inverted index: each message's folded words (the very words a query reads,
query.folded_words: accents removed, case folded, « # » and « @ » kept) → the message's id, per
workspace, so that a backtest counts and charts a query of words from the index alone.

    listening_word (workspace_id, word, message_id)   one row a distinct word of a message
    listening_word_dirty (message_id)                 messages written since they were indexed

The database's triggers keep it honest whoever writes the stream: a message inserted, or whose
title or text changes, is marked dirty and loses its words; a deleted message (a GDPR erasure,
a deletion at the source) loses its words and its mark. Python writes the words (the fold is
Python's): the pipeline's `index_items` for every stored batch, and `index_dirty` for the rest
(the backfill after the migration, messages written outside the pipeline), a chunk at a time.
A dirty message is never answered from the index: a backtest reads it and evaluates it.

`plan(tree)` turns a query into a set of message ids in SQL (UNION, INTERSECT, EXCEPT of the
words' postings, a prefix as a range of the sorted words, « ? » as GLOB or LIKE) and says
whether that set is the answer or only a superset of it (a phrase, NEAR, an author, a channel
or a site: the candidates' texts are then read and the query evaluated, as before).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from animateur.listening.query import Field, Near, Node, Not, Or, Words, folded_words
from animateur.stream.items import Incoming

TABLE = "listening_word"
DIRTY = "listening_word_dirty"
DIRTY_IDS = f"SELECT message_id FROM {DIRTY}"
# A message of stream_message not marked (an anti-join on the marks' key, whatever their statistics say).
NOT_DIRTY = f"NOT EXISTS (SELECT 1 FROM {DIRTY} WHERE {DIRTY}.message_id = stream_message.id)"
# Words are stored cut to this many characters (a btree entry has a size limit): a query word as
# long is answered as a superset, and its candidates are read.
MAX_WORD = 100
CHUNK = 2000
BACKFILL_CACHE_KIB = 1024 * 1024

SQLITE_TABLES = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (workspace_id INTEGER NOT NULL, word TEXT NOT NULL,"
    " message_id INTEGER NOT NULL, PRIMARY KEY (workspace_id, word, message_id)) WITHOUT ROWID",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_message ON {TABLE} (message_id)",
    f"CREATE TABLE IF NOT EXISTS {DIRTY} (message_id INTEGER PRIMARY KEY)",
)
SQLITE_TRIGGERS = {
    "listening_word_insert": (
        f"AFTER INSERT ON stream_message BEGIN INSERT OR IGNORE INTO {DIRTY} (message_id) VALUES (NEW.id); END"
    ),
    "listening_word_update": (
        "AFTER UPDATE OF title, text, workspace_id ON stream_message WHEN OLD.title IS NOT NEW.title"
        " OR OLD.text IS NOT NEW.text OR OLD.workspace_id IS NOT NEW.workspace_id BEGIN"
        f" DELETE FROM {TABLE} WHERE message_id = OLD.id;"
        f" INSERT OR IGNORE INTO {DIRTY} (message_id) VALUES (NEW.id); END"
    ),
    "listening_word_delete": (
        f"AFTER DELETE ON stream_message BEGIN DELETE FROM {TABLE} WHERE message_id = OLD.id;"
        f" DELETE FROM {DIRTY} WHERE message_id = OLD.id; END"
    ),
}
# « C »: words sorted by code point, so that a prefix is a range and LIKE 'gr_ve' reads the index.
PG_TABLES = (
    f'CREATE TABLE IF NOT EXISTS {TABLE} (workspace_id bigint NOT NULL, word text COLLATE "C" NOT NULL,'
    " message_id bigint NOT NULL, PRIMARY KEY (workspace_id, word, message_id))",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_message ON {TABLE} (message_id)",
    f"CREATE TABLE IF NOT EXISTS {DIRTY} (message_id bigint PRIMARY KEY)",
)
PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION listening_word_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN DELETE FROM {TABLE} WHERE message_id = OLD.id; END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM {DIRTY} WHERE message_id = OLD.id;
  ELSE
    INSERT INTO {DIRTY} (message_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$"""
PG_TRIGGERS = {
    "listening_word_insert": "AFTER INSERT ON stream_message FOR EACH ROW",
    "listening_word_update": (
        "AFTER UPDATE OF title, text, workspace_id ON stream_message FOR EACH ROW WHEN"
        " (OLD.title IS DISTINCT FROM NEW.title OR OLD.text IS DISTINCT FROM NEW.text"
        " OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)"
    ),
    "listening_word_delete": "AFTER DELETE ON stream_message FOR EACH ROW",
}
# TRUNCATE (Django's flush, an operator emptying the stream) fires no row trigger: the index goes with it.
PG_TRUNCATE_FUNCTION = f"""CREATE OR REPLACE FUNCTION listening_word_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE {TABLE}, {DIRTY};
  RETURN NULL;
END $$"""
PG_TRUNCATE_TRIGGER = (
    "listening_word_truncate",
    "AFTER TRUNCATE ON stream_message FOR EACH STATEMENT EXECUTE FUNCTION listening_word_truncated()",
)


def _triggers(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stream_message'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'stream_message'::regclass")
        return {row[0] for row in cursor.fetchall()}


def create(connection: BaseDatabaseWrapper, *, mark_all: bool = False) -> None:
    """The tables and triggers (idempotent); `mark_all` marks every stored message dirty (the
    migration: the backfill, `animateur listen index`, then indexes them a chunk at a time)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    sqlite = connection.vendor == "sqlite"
    existing = _triggers(connection)
    with connection.cursor() as cursor:
        for statement in SQLITE_TABLES if sqlite else PG_TABLES:
            cursor.execute(statement)
        if not sqlite:
            cursor.execute(PG_FUNCTION)
            cursor.execute(PG_TRUNCATE_FUNCTION)
            name, body = PG_TRUNCATE_TRIGGER
            if name not in existing:
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        for name, body in (SQLITE_TRIGGERS if sqlite else PG_TRIGGERS).items():
            if name not in existing:
                if sqlite:
                    cursor.execute(f"CREATE TRIGGER {name} {body}")
                else:
                    cursor.execute(f"CREATE TRIGGER {name} {body} EXECUTE FUNCTION listening_word_changed()")
        if mark_all:
            cursor.execute(
                f"INSERT INTO {DIRTY} (message_id) SELECT id FROM stream_message"
                f" WHERE id NOT IN (SELECT message_id FROM {DIRTY})"
            )


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(
                f"DROP TRIGGER IF EXISTS {name}" + (" ON stream_message" if connection.vendor != "sqlite" else "")
            )
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS {PG_TRUNCATE_TRIGGER[0]} ON stream_message")
            cursor.execute("DROP FUNCTION IF EXISTS listening_word_changed()")
            cursor.execute("DROP FUNCTION IF EXISTS listening_word_truncated()")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {DIRTY}")


def present(connection: BaseDatabaseWrapper) -> bool:
    """Whether the index is there (checked once per connection)."""
    known = getattr(connection, "_listening_word_index", None)
    if known is None:
        known = TABLE in connection.introspection.table_names() and bool(_triggers(connection) & set(SQLITE_TRIGGERS))
        connection._listening_word_index = known  # type: ignore[attr-defined]
    return bool(known)


# --- writing ----------------------------------------------------------------------------------


def words_of(title: str | None, text: str | None) -> set[str]:
    """A message's distinct words as Doc.of and Doc.of_words read them, cut to MAX_WORD."""
    body = f"{title}\n{text or ''}" if title else (text or "")
    return {word[:MAX_WORD] for word in folded_words(body)[1]}


def _in_chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def index_messages(ids: Iterable[int], known: dict[int, tuple[int, str, str]] | None = None) -> int:
    """Index these messages (their words replace any they had, their dirty marks go); returns
    how many words were written. The marks are taken first, in the same transaction, so that an
    edit made while the texts are read marks the message again rather than being lost. `known`:
    the (workspace id, title, text) of messages this transaction has just written (not read again)."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    from animateur.stream.models import Message

    known = known or {}

    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for chunk in _in_chunks(wanted):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {DIRTY} WHERE message_id IN ({marks})", chunk)
            cursor.execute(f"DELETE FROM {TABLE} WHERE message_id IN ({marks})", chunk)
        rows: list[tuple[int, str, int]] = []
        for pk in wanted:
            if pk in known:
                workspace_id, title, text = known[pk]
                rows.extend((workspace_id, word, pk) for word in words_of(title, text))
        for chunk in _in_chunks([pk for pk in wanted if pk not in known]):
            for pk, workspace_id, title, text in Message.objects.filter(pk__in=chunk).values_list(
                "pk", "workspace_id", "title", "text"
            ):
                rows.extend((workspace_id, word, pk) for word in words_of(title, text))
        rows.sort(key=itemgetter(1))  # by word: the index's pages in order
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {TABLE} (workspace_id, word, message_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {TABLE} (workspace_id, word, message_id) VALUES (%s, %s, %s)", rows)
        written = len(rows)
    return written


def index_items(items: list[Incoming]) -> None:
    """The pipeline's « on store » hook, in the batch's transaction: the batch's new and edited
    messages (those the triggers marked) get their words."""
    if not present(connection):
        return
    stored = {
        item.message.pk: (item.message.workspace_id, item.message.title, item.message.text)
        for item in items
        if item.message is not None and item.message.pk
    }
    ids = list(stored)
    marked: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _in_chunks(ids):
            cursor.execute(
                f"SELECT message_id FROM {DIRTY} WHERE message_id IN ({', '.join(['%s'] * len(chunk))})", chunk
            )
            marked.extend(row[0] for row in cursor.fetchall())
    index_messages(marked, {pk: stored[pk] for pk in marked})


def marked(limit: int) -> list[int] | None:
    """The ids of the messages marked dirty (of every workspace), or None when there are more than
    `limit` (a backfill under way: the caller then narrows them in SQL instead)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT message_id FROM {DIRTY} ORDER BY message_id LIMIT %s", [limit + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= limit else None


def dirty_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {DIRTY}")
        return int(cursor.fetchone()[0])


def index_dirty(
    chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None, limit: int | None = None
) -> int:
    """Index the messages marked dirty, `chunk` a transaction, the oldest first; `progress(done,
    total)` after each chunk. Returns how many messages were indexed."""
    if not present(connection):
        return 0
    total = dirty_count() if limit is None else min(limit, dirty_count())
    done = 0
    sqlite = connection.vendor == "sqlite"
    if sqlite:  # each chunk adds to most words' postings, all over the table: keep its pages in memory
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-BACKFILL_CACHE_KIB}")
    try:
        while limit is None or done < limit:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT message_id FROM {DIRTY} ORDER BY message_id LIMIT %s", [chunk])
                ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            index_messages(ids)
            done += len(ids)
            if progress is not None:
                progress(done, max(total, done))
    finally:
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
    return done


# --- answering --------------------------------------------------------------------------------


@dataclass
class Part:
    """A set of message ids as SQL (a SELECT of one column, `id`), and whether it is the answer."""

    sql: str
    params: list[object] = field(default_factory=list)
    exact: bool = True


_FIELD_COLUMNS = {"kind": "kind", "sentiment": "sentiment"}


def _successor(stem: str) -> str | None:
    last = ord(stem[-1])
    return stem[:-1] + chr(last + 1) if last < 0x10FFFF else None


def _posting(workspace_id: int, pattern: str) -> Part:
    """The messages holding a word the pattern fits."""
    head = f"SELECT message_id AS id FROM {TABLE} WHERE workspace_id = %s AND "
    if "*" not in pattern and "?" not in pattern:
        return Part(head + "word = %s", [workspace_id, pattern[:MAX_WORD]], exact=len(pattern) < MAX_WORD)
    if "?" not in pattern:  # a prefix: a range of the sorted words
        stem = pattern[:-1][:MAX_WORD]
        after = _successor(stem)
        if after is not None:
            return Part(head + "word >= %s AND word < %s", [workspace_id, stem, after])
    exact = "*" in pattern or len(pattern) < MAX_WORD
    if connection.vendor == "sqlite":  # the word characters hold none of GLOB's other signs
        return Part(head + "word GLOB %s", [workspace_id, pattern[:MAX_WORD]], exact=exact)
    like = pattern[:MAX_WORD].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Part(head + "word LIKE %s", [workspace_id, like.replace("?", "_").replace("*", "%")], exact=exact)


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"w{self.n}"


def _combine(operator: str, parts: list[Part], name: _Names) -> Part:
    """One set from several (each wrapped as a plain SELECT: SQLite takes no parenthesised member of
    a compound, and PostgreSQL binds INTERSECT tighter than EXCEPT)."""
    if len(parts) == 1:
        return parts[0]
    sql = f" {operator} ".join(f"SELECT id FROM ({p.sql}) AS {name()}" for p in parts)
    return Part(sql, [param for p in parts for param in p.params], all(p.exact for p in parts))


def _field_condition(node: Field) -> tuple[str, list[object]] | None:
    """A field the message's own columns decide, as Doc reads them (lang: the code before any « - »)."""
    if node.name == "lang":
        return "(LOWER(language) = %s OR LOWER(language) LIKE %s)", [node.value, node.value + "-%"]
    if node.name in _FIELD_COLUMNS:
        return f"{_FIELD_COLUMNS[node.name]} = %s", [node.value]
    return None


def _plan(node: Node, workspace_id: int, name: _Names) -> Part | None:
    """The node's messages as a set, or None when any message may match (a field, an exclusion)."""
    if isinstance(node, Words):
        parts = [_posting(workspace_id, p) for p in node.patterns]
        found = _combine("INTERSECT", parts, name)
        return Part(found.sql, found.params, exact=len(parts) == 1 and found.exact)
    if isinstance(node, Near):
        parts = [_posting(workspace_id, p) for p in node.left.patterns + node.right.patterns]
        found = _combine("INTERSECT", parts, name)
        return Part(found.sql, found.params, exact=False)
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, Or):
        alternatives = [_plan(child, workspace_id, name) for child in node.children]
        if any(a is None for a in alternatives):
            return None
        return _combine("UNION", [a for a in alternatives if a is not None], name)
    sets: list[Part] = []
    excluded: list[Part] = []
    conditions: list[tuple[str, list[object]]] = []
    exact = True
    for child in node.children:
        if isinstance(child, Field):
            condition = _field_condition(child)
            if condition is None:
                exact = False
            else:
                conditions.append(condition)
        elif isinstance(child, Not):
            inner = child.child
            if isinstance(inner, Field) and (condition := _field_condition(inner)) is not None:
                conditions.append((f"NOT {condition[0]}", condition[1]))
                continue
            part = _plan(inner, workspace_id, name)
            if part is not None and part.exact:
                excluded.append(part)
            else:
                exact = False
        else:
            part = _plan(child, workspace_id, name)
            if part is None:
                exact = False
            else:
                sets.append(part)
                exact = exact and part.exact
    if not sets:
        return None
    found = _combine("INTERSECT", sets, name)
    if excluded:
        found = _combine("EXCEPT", [found, *excluded], name)
    if conditions:
        where = " AND ".join(sql for sql, _params in conditions)
        found = Part(
            f"SELECT id FROM stream_message WHERE id IN (SELECT id FROM ({found.sql}) AS {name()}) AND {where}",
            found.params + [p for _sql, params in conditions for p in params],
            found.exact,
        )
    return Part(found.sql, found.params, exact and found.exact)


def plan(tree: Node, workspace_id: int) -> Part | None:
    """The query's messages (before the listened filter) as SQL, exact or a superset; None when the
    index cannot bound them (« site:x OR greve », a query that is only fields)."""
    return _plan(tree, workspace_id, _Names())

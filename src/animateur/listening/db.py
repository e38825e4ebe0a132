# ruff: noqa: S608 - every statement here is built from this module's constants, never from input
"""The index listening keeps over the stream's texts, so that a backtest or a new search's history
reads the messages that hold one of its words, not all of them.

SQLite: an FTS5 external-content table (listening_message_fts) over stream_message's title and
text, folded by its tokenizer (unicode61, accents removed), kept in step by triggers with every
insert, edit and delete, bulk ones included.
PostgreSQL: a GIN trigram index (pg_trgm) on the folded text (listening_fold: unaccent, then
lower), the very expression scan.narrowed compares, so that its LIKE '%word%' reads the index.

Both only narrow: the exact query runs in Python on what they let through (scan.py). `ensure()`
is idempotent and runs after every migrate (SQLite rebuilds a table to alter it and drops its
triggers on the way); where pg_trgm or unaccent cannot be installed, the scan stays a sequential one.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from animateur.core.pg_extensions import ensure_extension

FTS = "listening_message_fts"
PG_INDEX = "listening_message_fold_trgm"


OBSOLETE_PG_INDEXES = ("listening_message_folded_trgm",)
# The folded « title text » of a message on PostgreSQL: unaccent (its rules give the very letters
# stream.folding.Folded's translate() gives for the accented Latin letters, and œ, æ, ß spelled
# out) then lower(). translate() over 400 accented letters cost about 3 ms for a 2,000-character
# text, and the index's recheck computes it for every candidate; unaccent costs 0.09 ms. unaccent
# also folds a few letters the stream's fold keeps (« ø » into « o »): only words of ASCII letters
# and digits are looked for through it (scan.narrowed).
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION listening_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
    " AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$"
)
PG_FOLDED = "listening_fold(stream_message.title || ' ' || stream_message.text)"
PG_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON stream_message USING GIN (({PG_FOLDED}) gin_trgm_ops)"

SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, text, content='stream_message',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)
SQLITE_TRIGGERS = {
    "listening_fts_insert": (
        f"AFTER INSERT ON stream_message BEGIN"
        f" INSERT INTO {FTS} (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text); END"
    ),
    "listening_fts_delete": (
        f"AFTER DELETE ON stream_message BEGIN"
        f" INSERT INTO {FTS} ({FTS}, rowid, title, text) VALUES ('delete', OLD.id, OLD.title, OLD.text); END"
    ),
    "listening_fts_update": (
        f"AFTER UPDATE OF title, text ON stream_message"
        f" WHEN OLD.title IS NOT NEW.title OR OLD.text IS NOT NEW.text BEGIN"
        f" INSERT INTO {FTS} ({FTS}, rowid, title, text) VALUES ('delete', OLD.id, OLD.title, OLD.text);"
        f" INSERT INTO {FTS} (rowid, title, text) VALUES (NEW.id, NEW.title, NEW.text); END"
    ),
}


def _sqlite_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stream_message'")
        return {row[0] for row in cursor.fetchall()}


def ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing; returns True if something was (and the index filled)."""
    if connection.vendor == "sqlite":
        existing = _sqlite_triggers(connection)
        missing = {name: body for name, body in SQLITE_TRIGGERS.items() if name not in existing}
        with connection.cursor() as cursor:
            cursor.execute(SQLITE_FTS)
            for name, body in missing.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
            if missing:
                cursor.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")
        return bool(missing)
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        for name in OBSOLETE_PG_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
        if cursor.fetchone() is not None:
            return False
        for extension in ("pg_trgm", "unaccent"):
            if not ensure_extension(connection, extension):
                return False
        cursor.execute(PG_FUNCTION)
        cursor.execute(PG_INDEX_SQL)
    return True


def indexed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the index is there to narrow with (checked once per connection)."""
    known = getattr(connection, "_listening_indexed", None)
    if known is None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS])
            else:
                cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
            known = cursor.fetchone() is not None
        connection._listening_indexed = known  # type: ignore[attr-defined]
    return bool(known)


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
            cursor.execute("DROP FUNCTION IF EXISTS listening_fold(text)")

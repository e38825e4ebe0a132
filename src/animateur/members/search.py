# ruff: noqa: S608 - every statement here is built from this module's constants, never from input
"""The member list's search by name or handle, through an index on both databases.

A member matches when the folded search (stream.folding.fold: no accents, lower case) is in the
folded display name of the member or in the folded handle of one of its identities: « helene »
finds « Hélène Durand » and « @HELENE_D ». Scanning a million members for it took seconds; the
index gives the few that hold the words.

SQLite: two FTS5 tables with the trigram tokenizer (any substring of three characters or more),
`members_name_fts` over stream_member's names (rowid: the member) and `members_handle_fts` over
stream_identity's handles (rowid: the identity), holding the folded text (SQLite 3.40's trigram
tokenizer does not remove accents: the triggers fold with a chain of replace() over the accented
letters stream.folding knows), kept in step by triggers with every insert, rename and delete.
PostgreSQL: GIN trigram indexes (pg_trgm) on members_fold(display_name) and members_fold(handle),
members_fold being an immutable SQL function of the same fold (stream.folding.Folded's).

`ensure()` is idempotent and runs after every migrate (SQLite rebuilds a table to alter it and
drops its triggers on the way). Without the index (a search shorter than three letters, pg_trgm
not installable), the same fold is compared row by row: slower, the same members.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Exists, Func, OuterRef, Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains

from animateur.core.pg_extensions import ensure_extension
from animateur.stream.folding import PG_FROM, PG_TO, fold

# Below three letters a trigram index cannot narrow.
MIN_LENGTH = 3
# Up to this many matching members come from the index as a list, and the list orders them; past
# it, the search matches most members and walking the list's order finds a page sooner.
CANDIDATES = 5000

NAME_FTS = "members_name_fts"
HANDLE_FTS = "members_handle_fts"
PG_NAME_INDEX = "members_member_name_trgm"
PG_HANDLE_INDEX = "members_identity_handle_trgm"

_TWO_LETTERS = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}


# The letters the fold changes, and what into; SQLite's parser takes some 30 nested calls at most,
# so a trigger folds a few dozen letters at a time, each step an UPDATE of the row just indexed.
_PAIRS = [*_TWO_LETTERS.items(), *zip(PG_FROM, PG_TO, strict=True)]
_STEP = 24
_NOT_ASCII = "GLOB '*[^ -~]*'"


def _folds(column: str) -> list[str]:
    """Expressions folding `column` a few letters each, to apply in turn (lower() for the ASCII ones)."""
    steps = []
    for start in range(0, len(_PAIRS), _STEP):
        chain = column
        for char, plain in _PAIRS[start : start + _STEP]:
            chain = f"replace({chain}, '{char}', '{plain}')"
        steps.append(chain)
    return steps


def _sqlite_index(table: str, column: str, rowid: str) -> str:
    """The statements putting the folded text of `column` in `table` (its rows whose rowid is `rowid`)."""
    steps = [f"INSERT INTO {table} (rowid, {column}) SELECT {rowid}, lower(NEW_{column})"]
    where = f"WHERE rowid = {rowid} AND {column} {_NOT_ASCII}"
    steps += [f"UPDATE {table} SET {column} = {fold_step} {where}" for fold_step in _folds(column)]
    return "; ".join(steps) + ";"


PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION members_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$"
    " SELECT lower(translate(replace(replace(replace(replace(replace($1, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'),"
    f" 'Æ', 'ae'), 'ß', 'ss'), '{PG_FROM}', '{PG_TO}')) $$"
)
PG_INDEXES = {
    PG_NAME_INDEX: "ON stream_member USING GIN ((members_fold(display_name)) gin_trgm_ops)",
    PG_HANDLE_INDEX: "ON stream_identity USING GIN ((members_fold(handle)) gin_trgm_ops)",
}

SQLITE_TABLES = {
    NAME_FTS: f"CREATE VIRTUAL TABLE IF NOT EXISTS {NAME_FTS} USING fts5(name, tokenize='trigram')",
    HANDLE_FTS: f"CREATE VIRTUAL TABLE IF NOT EXISTS {HANDLE_FTS} USING fts5(handle, tokenize='trigram')",
}


def _indexing(table: str, column: str, source: str) -> str:
    return _sqlite_index(table, column, "NEW.id").replace(f"NEW_{column}", f"NEW.{source}")


def _plain_indexing(table: str, column: str, source: str) -> str:
    return f"INSERT INTO {table} (rowid, {column}) VALUES (NEW.id, lower(NEW.{source}));"


def _when(source: str, *, folded: bool) -> str:
    """A trigger's condition: the new text has letters to fold (folded) or is plain ASCII (not folded)."""
    return f"NEW.{source} {_NOT_ASCII}" if folded else f"NOT (NEW.{source} {_NOT_ASCII})"


def _triggers(prefix: str, table: str, fts: str, column: str, source: str) -> dict[str, str]:
    """Each insert and rename indexed by one of two triggers: a plain ASCII text (every generated
    handle, most names) by one INSERT; one with letters to fold by the steps of _sqlite_index. The
    eleven steps ran for every row before, each an UPDATE of the index finding nothing to fold in an
    ASCII text: 170 µs of CPU for a new member and its identity, where the pipeline's whole store
    stage took 35 a message."""
    changed = f"OLD.{source} IS NOT NEW.{source}"
    forget = f"DELETE FROM {fts} WHERE rowid = OLD.id;"
    triggers = {}
    for suffix, folded, body in (("", False, _plain_indexing), ("_folded", True, _indexing)):
        when = _when(source, folded=folded)
        triggers[f"{prefix}_insert{suffix}"] = (
            f"AFTER INSERT ON {table} WHEN {when} BEGIN {body(fts, column, source)} END"
        )
        triggers[f"{prefix}_update{suffix}"] = (
            f"AFTER UPDATE OF {source} ON {table} WHEN {changed} AND {when} BEGIN"
            f" {forget} {body(fts, column, source)} END"
        )
    triggers[f"{prefix}_delete"] = f"AFTER DELETE ON {table} BEGIN {forget} END"
    return triggers


# A trigger missing (a table rebuilt, or one of these added since the index was made) has ensure()
# drop them all and rebuild the index.
SQLITE_TRIGGERS = {
    **_triggers("members_name", "stream_member", NAME_FTS, "name", "display_name"),
    **_triggers("members_handle", "stream_identity", HANDLE_FTS, "handle", "handle"),
}
# Filling the index of existing rows: ASCII first, then each step over the rows that are not.
_FILL = {
    NAME_FTS: [
        f"INSERT INTO {NAME_FTS} (rowid, name) SELECT id, lower(display_name) FROM stream_member",
        *(f"UPDATE {NAME_FTS} SET name = {step} WHERE name {_NOT_ASCII}" for step in _folds("name")),
    ],
    HANDLE_FTS: [
        f"INSERT INTO {HANDLE_FTS} (rowid, handle) SELECT id, lower(handle) FROM stream_identity",
        *(f"UPDATE {HANDLE_FTS} SET handle = {step} WHERE handle {_NOT_ASCII}" for step in _folds("handle")),
    ],
}


# Not the search's, but kept in the stream's member table the same way: the members merged into
# another, a handful among a million, that every list excludes. SQLite reads the whole table for
# them through the foreign key's index (every row of it NULL); this one holds only them.
MERGED_INDEX = (
    "CREATE INDEX IF NOT EXISTS members_merged_members ON stream_member (workspace_id, merged_into_id)"
    " WHERE merged_into_id IS NOT NULL"
)

_INDEX_EXISTS = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = %s",
    "postgresql": "SELECT 1 FROM pg_indexes WHERE indexname = %s",
}


def ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing (filling the index from the tables); True if something was."""
    if connection.vendor in _INDEX_EXISTS:
        with connection.cursor() as cursor:
            cursor.execute(_INDEX_EXISTS[connection.vendor], ["members_merged_members"])
            if cursor.fetchone() is None:
                cursor.execute(MERGED_INDEX)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'members_%'")
            existing = {row[0] for row in cursor.fetchall()}
            missing = {name: body for name, body in SQLITE_TRIGGERS.items() if name not in existing}
            if not missing:
                return False
            # A trigger lost (a table rebuilt): the index is rebuilt whole, triggers first.
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for table, create in SQLITE_TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(create)
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
            for statements in _FILL.values():
                for statement in statements:
                    cursor.execute(statement)
        return True
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(PG_FUNCTION)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(PG_INDEXES)])
        existing = {row[0] for row in cursor.fetchall()}
        if len(existing) == len(PG_INDEXES) or not ensure_extension(connection, "pg_trgm"):
            return False
        for name, body in PG_INDEXES.items():
            if name not in existing:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} {body}")
    return True


def indexed() -> bool:
    """Whether the index is there (checked once per connection)."""
    known = getattr(connection, "_members_search_indexed", None)
    if known is None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s)", [NAME_FTS, HANDLE_FTS])
            elif connection.vendor == "postgresql":
                cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", [list(PG_INDEXES)])
            known = connection.vendor in ("sqlite", "postgresql") and cursor.fetchone()[0] == 2
        connection._members_search_indexed = known  # type: ignore[attr-defined]
    return bool(known)


class Folded(Func):
    """A text column folded as the index folds it (PostgreSQL; lower case elsewhere)."""

    function = "LOWER"
    output_field = TextField()
    arity = 1

    def as_postgresql(self, compiler: Any, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="members_fold", **extra)


def _like(folded: str) -> str:
    return "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(q: str, *, through_member: bool = False) -> Q:
    """Members whose name or a handle holds the folded search, compared row by row (for a short
    search, or one most members match); `through_member`: in a query of profiles.

    On SQLite the folded texts are the index's own rows, read by rowid (SQLite has no function
    folding accents, and a chain of replace() over every accented letter is too deep for its parser)."""
    folded = fold(q)
    name, member = ("member__display_name", "member_id") if through_member else ("display_name", "pk")
    if connection.vendor == "sqlite" and indexed():
        column = '"members_profile"."member_id"' if through_member else '"stream_member"."id"'
        pattern = _like(folded)
        return Q(
            RawSQL(  # noqa: S611 - the table and column names are this module's
                f"(EXISTS (SELECT 1 FROM {NAME_FTS} f WHERE f.rowid = {column} AND f.name LIKE %s ESCAPE '\\')"
                f" OR EXISTS (SELECT 1 FROM stream_identity i JOIN {HANDLE_FTS} f ON f.rowid = i.id"
                f" WHERE i.member_id = {column} AND f.handle LIKE %s ESCAPE '\\'))",
                [pattern, pattern],
                output_field=BooleanField(),
            )
        )
    handles = _identities().filter(member_id=OuterRef(member)).filter(Contains(Folded("handle"), folded))
    return Q(Contains(Folded(name), folded)) | Q(Exists(handles))


def _identities() -> Any:
    from animateur.stream.models import Identity

    return Identity.objects.all()


def candidates(workspace_id: int, q: str) -> list[int] | None:
    """The workspace's members (not merged into another) matching the search, from the index: up to
    CANDIDATES + 1 of them. None when the index cannot say (too short a search, no index)."""
    folded = fold(q).strip()
    if len(folded) < MIN_LENGTH or not indexed():
        return None
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            phrase = '"' + folded.replace('"', '""') + '"'
            cursor.execute(
                f"SELECT m.id FROM {NAME_FTS} f JOIN stream_member m ON m.id = f.rowid"
                f" WHERE {NAME_FTS} MATCH %s AND m.workspace_id = %s AND m.merged_into_id IS NULL"
                f" UNION SELECT i.member_id FROM {HANDLE_FTS} f JOIN stream_identity i ON i.id = f.rowid"
                " JOIN stream_member m ON m.id = i.member_id"
                f" WHERE {HANDLE_FTS} MATCH %s AND i.workspace_id = %s AND m.merged_into_id IS NULL LIMIT %s",
                [phrase, workspace_id, phrase, workspace_id, CANDIDATES + 1],
            )
        else:
            pattern = _like(folded)
            cursor.execute(
                "SELECT m.id FROM stream_member m WHERE members_fold(m.display_name) LIKE %s"
                " AND m.workspace_id = %s AND m.merged_into_id IS NULL"
                " UNION SELECT i.member_id FROM stream_identity i JOIN stream_member m ON m.id = i.member_id"
                " WHERE members_fold(i.handle) LIKE %s AND i.workspace_id = %s AND m.merged_into_id IS NULL"
                " LIMIT %s",
                [pattern, workspace_id, pattern, workspace_id, CANDIDATES + 1],
            )
        return [row[0] for row in cursor.fetchall()]


def drop(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for table in SQLITE_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        elif connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    connection._members_search_indexed = None  # type: ignore[attr-defined]

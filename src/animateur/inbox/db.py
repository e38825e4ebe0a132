# ruff: noqa: S608 - every statement here is built from this module's constants, never from input
"""What the inbox keeps in the database itself: the counters' triggers and the full-text index.

SQLite: triggers keep inbox_conversationtally and the FTS5 external-content table
inbox_conversation_fts (over inbox_conversation.search_text) in step with every insert,
update and delete, including bulk ones and Django's cascades.
PostgreSQL: plpgsql triggers keep the tally (once per statement for inserts and deletes, per
changed row for updates); search uses a GIN expression index on
to_tsvector('simple', search_text) (the text is already folded and stemmed in Python, so
'simple' indexes it as is, exactly like SQLite does).

`ensure()` is idempotent and runs after every migrate: SQLite rebuilds a table to alter it
and drops its triggers on the way, so a later migration of inbox_conversation must not
silently stop the counters; when triggers were missing, the tally and the index are rebuilt.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TALLY = "inbox_conversationtally"
FTS = "inbox_conversation_fts"

_TALLY_NEW = (
    f"INSERT INTO {TALLY} (workspace_id, state, assignee_id, n)"
    " VALUES (NEW.workspace_id, NEW.state, COALESCE(NEW.assignee_id, 0), 1)"
    f" ON CONFLICT (workspace_id, state, assignee_id) DO UPDATE SET n = {TALLY}.n + 1;"
)
_TALLY_OLD = (
    f"UPDATE {TALLY} SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND state = OLD.state"
    " AND assignee_id = COALESCE(OLD.assignee_id, 0);"
)
_CHANGED = (
    "OLD.state IS NOT NEW.state OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.workspace_id IS NOT NEW.workspace_id"
)

SQLITE_TRIGGERS = {
    "inbox_tally_insert": f"AFTER INSERT ON inbox_conversation BEGIN {_TALLY_NEW} END",
    "inbox_tally_delete": f"AFTER DELETE ON inbox_conversation BEGIN {_TALLY_OLD} END",
    "inbox_tally_update": (
        f"AFTER UPDATE OF state, assignee_id, workspace_id ON inbox_conversation WHEN {_CHANGED}"
        f" BEGIN {_TALLY_OLD} {_TALLY_NEW} END"
    ),
    "inbox_fts_insert": (
        f"AFTER INSERT ON inbox_conversation BEGIN"
        f" INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text); END"
    ),
    "inbox_fts_delete": (
        f"AFTER DELETE ON inbox_conversation BEGIN"
        f" INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text); END"
    ),
    "inbox_fts_update": (
        f"AFTER UPDATE OF search_text ON inbox_conversation WHEN OLD.search_text IS NOT NEW.search_text BEGIN"
        f" INSERT INTO {FTS} ({FTS}, rowid, search_text) VALUES ('delete', OLD.id, OLD.search_text);"
        f" INSERT INTO {FTS} (rowid, search_text) VALUES (NEW.id, NEW.search_text); END"
    ),
}
SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(search_text, content='inbox_conversation',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
)

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION inbox_tally() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_TALLY_OLD}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {_TALLY_NEW}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
# Inserts and deletes count once per statement, from its transition table: a row-level trigger
# updating the same tally row for each of a thousand rows of one transaction leaves a thousand
# versions of that row to step over, and a pipeline batch took milliseconds a conversation.
PG_STATEMENT_FUNCTIONS = (
    f"""
CREATE OR REPLACE FUNCTION inbox_tally_inserted() RETURNS trigger AS $$
BEGIN
  INSERT INTO {TALLY} (workspace_id, state, assignee_id, n)
    SELECT workspace_id, state, COALESCE(assignee_id, 0), COUNT(*) FROM inserted_rows GROUP BY 1, 2, 3
    ON CONFLICT (workspace_id, state, assignee_id) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n;
  RETURN NULL;
END $$ LANGUAGE plpgsql
""",
    f"""
CREATE OR REPLACE FUNCTION inbox_tally_deleted() RETURNS trigger AS $$
BEGIN
  UPDATE {TALLY} AS t SET n = t.n - gone.n
    FROM (SELECT workspace_id, state, COALESCE(assignee_id, 0) AS assignee_id, COUNT(*) AS n
          FROM deleted_rows GROUP BY 1, 2, 3) AS gone
    WHERE t.workspace_id = gone.workspace_id AND t.state = gone.state AND t.assignee_id = gone.assignee_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql
""",
)
PG_TRIGGERS = {
    "inbox_tally_insert": (
        "AFTER INSERT ON inbox_conversation REFERENCING NEW TABLE AS inserted_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION inbox_tally_inserted()"
    ),
    "inbox_tally_delete": (
        "AFTER DELETE ON inbox_conversation REFERENCING OLD TABLE AS deleted_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION inbox_tally_deleted()"
    ),
    # Row by row, and only when a count changes: most updates touch neither state nor assignee.
    "inbox_tally_update": (
        "AFTER UPDATE OF state, assignee_id, workspace_id ON inbox_conversation FOR EACH ROW WHEN ("
        + _CHANGED.replace("IS NOT", "IS DISTINCT FROM")
        + ") EXECUTE FUNCTION inbox_tally()"
    ),
}
# Replaced by the above: dropped wherever found, before the tally is counted again.
PG_OBSOLETE_TRIGGERS = ("inbox_tally_insert_delete",)
PG_SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS inbox_conversation_search ON inbox_conversation"
    " USING GIN (to_tsvector('simple'::regconfig, search_text))"
)


def _existing_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'inbox_conversation'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'inbox_conversation'::regclass AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


def ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create what is missing; returns True if something was (and the derived data rebuilt)."""
    if connection.vendor not in ("sqlite", "postgresql"):
        return False
    existing = _existing_triggers(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_FTS)
            missing = {name: body for name, body in SQLITE_TRIGGERS.items() if name not in existing}
            for name, body in missing.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
        else:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'inbox_conversation_search'")
            if cursor.fetchone() is None:
                cursor.execute(PG_SEARCH_INDEX)
            missing = {name: body for name, body in PG_TRIGGERS.items() if name not in existing}
            if missing:
                cursor.execute(PG_FUNCTION)
                for function in PG_STATEMENT_FUNCTIONS:
                    cursor.execute(function)
            for name in PG_OBSOLETE_TRIGGERS:
                if name in existing:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON inbox_conversation")
            for name, body in missing.items():
                cursor.execute(f"CREATE TRIGGER {name} {body}")
    if missing:
        rebuild(connection)
    return bool(missing)


def rebuild(connection: BaseDatabaseWrapper) -> None:
    """Recount every bucket and re-index every conversation from the table itself."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY}")
        cursor.execute(
            f"INSERT INTO {TALLY} (workspace_id, state, assignee_id, n)"
            " SELECT workspace_id, state, COALESCE(assignee_id, 0), COUNT(*) FROM inbox_conversation"
            " GROUP BY workspace_id, state, COALESCE(assignee_id, 0)"
        )
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    """What a table rebuild on SQLite does to the triggers (and what reversing the migration needs)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name in (*PG_TRIGGERS, *PG_OBSOLETE_TRIGGERS):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON inbox_conversation")


def drop(connection: BaseDatabaseWrapper) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS inbox_tally(), inbox_tally_inserted(), inbox_tally_deleted()")
            cursor.execute("DROP INDEX IF EXISTS inbox_conversation_search")

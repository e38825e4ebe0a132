"""The full-text index of posts: an FTS5 table on SQLite, a tsvector table with a GIN index on PostgreSQL.

Kept outside Django's models (see animateur.space.search), without a foreign key so that
flushing the post table in tests never trips over it; searches join on live posts.
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS space_post_fts USING fts5("
    "workspace_id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')"
)
PG_CREATE = [
    "CREATE TABLE IF NOT EXISTS space_post_search ("
    "post_id bigint PRIMARY KEY, workspace_id bigint NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS space_post_search_document ON space_post_search USING GIN (document)",
    "CREATE INDEX IF NOT EXISTS space_post_search_workspace ON space_post_search (workspace_id)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS space_post_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS space_post_search")


class Migration(migrations.Migration):
    dependencies = [("space", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

"""Conversations lose three indexes that no query uses, and that every insert of the pipeline paid for.

- workspace_id alone: every list index starts with it, and serves the workspace's lookups and
  the cascade of its deletion as well (EXPLAIN on SQLite and PostgreSQL).
- (workspace, state, due_at) and (workspace, updated_at): no query filters or sorts on them
  within a workspace (the due-soon warning looks across workspaces).

The workspace's index is dropped by name rather than by altering the field: on SQLite altering
a field rebuilds the table, which would copy every conversation and drop the inbox's triggers.
"""

from django.db import migrations, models

WORKSPACE_INDEX = "inbox_conversation_workspace_id_idx"


def drop_workspace_index(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "inbox_conversation")
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == ["workspace_id"]:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_workspace_index(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(WORKSPACE_INDEX)} ON inbox_conversation (workspace_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_team"),
        ("inbox", "0004_notification_channel"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="conversation", name="inbox_state_due_at"),
        migrations.RemoveIndex(model_name="conversation", name="inbox_updated"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="workspace",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="conversations",
                        to="core.workspace",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_workspace_index, create_workspace_index)],
        ),
    ]

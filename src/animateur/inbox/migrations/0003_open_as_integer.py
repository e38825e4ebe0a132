"""is_open becomes 1/0: SQLite cannot lead an index with a bare boolean column, only with an equality.

Generated columns cannot be altered, so the column and the indexes that start with it are
dropped and created again; on SQLite the table rebuild drops the triggers, put back at the end.
"""

from django.db import migrations, models

OPEN_INDEXES = {
    "inbox_open_due": ["workspace", "is_open", "due_sort", "-last_message_at", "-id"],
    "inbox_open_recent": ["workspace", "is_open", "-last_message_at", "-id"],
    "inbox_assignee_due": ["workspace", "assignee", "is_open", "due_sort", "-last_message_at", "-id"],
    "inbox_assignee_recent": ["workspace", "assignee", "is_open", "-last_message_at", "-id"],
    "inbox_channel_recent": ["workspace", "channel_kind", "is_open", "-last_message_at", "-id"],
}


def ensure(apps, schema_editor):
    from animateur.inbox import db

    db.ensure(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0002_speed")]

    operations = [
        *[migrations.RemoveIndex(model_name="conversation", name=name) for name in OPEN_INDEXES],
        migrations.RemoveField(model_name="conversation", name="is_open"),
        migrations.AddField(
            model_name="conversation",
            name="is_open",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(state="closed", then=models.Value(0)), default=models.Value(1)
                ),
                output_field=models.SmallIntegerField(),
            ),
        ),
        *[
            migrations.AddIndex(model_name="conversation", index=models.Index(fields=fields, name=name))
            for name, fields in OPEN_INDEXES.items()
        ],
        migrations.RunPython(ensure, migrations.RunPython.noop),
    ]

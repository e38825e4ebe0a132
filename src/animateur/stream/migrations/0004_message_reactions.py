"""A message's reactions and shares at the source, as last read (stream/counts.py).

Nullable columns without a default: added to a large table without rewriting it (SQLite's ADD COLUMN,
PostgreSQL's catalogue-only change). The partial index finds the organisation's recent posts of a
channel, whose counts are read again, without indexing the community's messages.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stream", "0003_awaited_parents"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="counts_read_at",
            field=models.DateTimeField(blank=True, help_text="when the counts were last read", null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="reaction_count",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="reactions",
            field=models.JSONField(blank=True, help_text="reactions by kind, as the source counts them", null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="share_count",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("from_organisation", True)),
                fields=["channel", "-created_at"],
                name="stream_message_own_recent",
            ),
        ),
    ]

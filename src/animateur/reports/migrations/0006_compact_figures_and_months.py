"""The closed days' figures keep who wrote as a bitmap and the first responses as arrays of seconds
(reports/counts.py), instead of JSON lists that a year's report decoded by the hundred thousand;
closed months are kept too, added up from their days (MonthFigures).

The rows are a cache: they are deleted first, and each day is counted again when next read."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def forget_counted_days(apps, schema_editor):
    apps.get_model("reports", "DayFigures").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_verbs_under_their_domain"),
        ("reports", "0005_day_figures_by_channel"),
    ]

    operations = [
        migrations.RunPython(forget_counted_days, migrations.RunPython.noop),
        migrations.RemoveField(model_name="dayfigures", name="members"),
        migrations.RemoveField(model_name="dayfigures", name="responses"),
        migrations.AddField(
            model_name="dayfigures",
            name="member_base",
            field=models.BigIntegerField(default=0, help_text="the member id of the bitmap's first bit"),
        ),
        migrations.AddField(
            model_name="dayfigures",
            name="members",
            field=models.BinaryField(default=b"", help_text="who wrote: bit i is the member member_base + i"),
        ),
        migrations.AddField(
            model_name="dayfigures",
            name="responses",
            field=models.BinaryField(
                default=b"",
                help_text="first responses: three counts, then float64 seconds (reports.counts.Responses)",
            ),
        ),
        migrations.AddField(
            model_name="dayfigures",
            name="judged",
            field=models.PositiveIntegerField(default=0, help_text="first responses that had a target"),
        ),
        migrations.AddField(
            model_name="dayfigures",
            name="on_time",
            field=models.PositiveIntegerField(default=0, help_text="of those, answered before it"),
        ),
        migrations.AlterField(
            model_name="dayfigures",
            name="channels",
            field=models.JSONField(
                default=dict, help_text="the same counts for each channel, by channel id (objectives' scope)"
            ),
        ),
        migrations.CreateModel(
            name="MonthFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("inbound", models.PositiveIntegerField(default=0)),
                ("sentiments", models.JSONField(default=dict, help_text="sentiment → messages")),
                ("site_comments", models.PositiveIntegerField(default=0)),
                ("member_base", models.BigIntegerField(default=0, help_text="the member id of the bitmap's first bit")),
                (
                    "members",
                    models.BinaryField(default=b"", help_text="who wrote: bit i is the member member_base + i"),
                ),
                (
                    "responses",
                    models.BinaryField(
                        default=b"",
                        help_text="first responses: three counts, then float64 seconds (reports.counts.Responses)",
                    ),
                ),
                ("judged", models.PositiveIntegerField(default=0, help_text="first responses that had a target")),
                ("on_time", models.PositiveIntegerField(default=0, help_text="of those, answered before it")),
                (
                    "channels",
                    models.JSONField(
                        default=dict, help_text="the same counts for each channel, by channel id (objectives' scope)"
                    ),
                ),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("month", models.DateField(help_text="its first day")),
                ("by_day", models.JSONField(default=list, help_text="the messages of each of its days, in order")),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.workspace"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("workspace", "month"), name="one_figures_row_per_month")
                ],
            },
        ),
    ]

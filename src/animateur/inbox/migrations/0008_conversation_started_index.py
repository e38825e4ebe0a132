"""The conversations opened in a period, a range of one index: the reports' « Conversations answered »
read every conversation of the workspace (1.2 s at 200,000 conversations, most of the home page's
time). The answer's columns are in the index, so the count reads no row."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_segment_alert_notifications"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["workspace", "started_at", "first_response_at", "answered_elsewhere"], name="inbox_started"
            ),
        ),
    ]

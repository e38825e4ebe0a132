# Per-channel text variants, and images with their alt text.

import django.db.models.deletion
from django.db import migrations, models

import animateur.publishing.models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0003_thread_and_sent_parts"),
    ]

    operations = [
        migrations.AddField(
            model_name="publicationtarget",
            name="text",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="publicationtarget",
            name="media",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.CreateModel(
            name="PublicationImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "key",
                    models.CharField(default=animateur.publishing.models.new_key, max_length=64, unique=True),
                ),
                (
                    "file",
                    models.FileField(max_length=300, upload_to=animateur.publishing.models._image_path),
                ),
                ("name", models.CharField(blank=True, max_length=200)),
                ("content_type", models.CharField(max_length=40)),
                ("size", models.PositiveIntegerField(default=0)),
                ("width", models.PositiveIntegerField(default=0)),
                ("height", models.PositiveIntegerField(default=0)),
                ("alt", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="images",
                        to="publishing.publication",
                    ),
                ),
            ],
            options={"ordering": ["position", "pk"]},
        ),
    ]

"""Replies stored before their parent wait for it in a table of their own, looked up as messages arrive.

Until now the parent's external id was written into the reply's raw payload and never read back.
Those replies are linked now when their parent has arrived since (with their descendants' thread
root), and wait in the new table otherwise; the note leaves their payload.
"""

import django.db.models.deletion
from django.db import migrations, models


def link_or_await(apps, schema_editor):
    Message = apps.get_model("stream", "Message")
    AwaitedParent = apps.get_model("stream", "AwaitedParent")
    waiting = []
    for reply in Message.objects.filter(raw__has_key="unresolved_parent").iterator():
        awaited = str(reply.raw.pop("unresolved_parent") or "")
        parent = (
            Message.objects.filter(channel_id=reply.channel_id, external_id=awaited)
            .exclude(pk=reply.pk)
            .only("id", "thread_root_id")
            .first()
        )
        root = (parent.thread_root_id or parent.id) if parent is not None else None
        if parent is None or root == reply.pk:  # not arrived, or it would close a loop
            Message.objects.filter(pk=reply.pk).update(raw=reply.raw)
            if awaited:
                waiting.append(AwaitedParent(channel_id=reply.channel_id, external_id=awaited[:255], reply_id=reply.pk))
            continue
        Message.objects.filter(thread_root_id=reply.pk).update(thread_root_id=root)
        Message.objects.filter(pk=reply.pk).update(raw=reply.raw, parent_id=parent.id, thread_root_id=root)
    AwaitedParent.objects.bulk_create(waiting, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_source_times"),
        ("stream", "0002_redundant_fk_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="AwaitedParent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("external_id", models.CharField(help_text="the awaited message's external id", max_length=255)),
                (
                    "distance",
                    models.PositiveSmallIntegerField(default=0, help_text="0 for the parent, 1 for its parent ..."),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="channels.channel",
                    ),
                ),
                (
                    "reply",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="awaited_parents", to="stream.message"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["channel", "external_id"], name="stream_awai_channel_5216bb_idx")],
            },
        ),
        migrations.RunPython(link_or_await, migrations.RunPython.noop),
    ]

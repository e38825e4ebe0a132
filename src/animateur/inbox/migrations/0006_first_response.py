"""First responses leave the audit trail for a table of their own: the act that stopped the clock keeps
its one audit event, and the measurement (what the response-time page reads) is a row here. The
`inbox.first_response` events already written are copied, so the figures of the past stay."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def copy_first_responses(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    Conversation = apps.get_model("inbox", "Conversation")
    FirstResponse = apps.get_model("inbox", "FirstResponse")
    events = AuditEvent.objects.filter(verb="inbox.first_response", target_type="inbox.conversation").order_by(
        "created_at", "pk"
    )
    seen: set[int] = set()
    batch = []
    for workspace_id, target_id, data, created_at in events.values_list(
        "workspace_id", "target_id", "data", "created_at"
    ).iterator(chunk_size=2000):
        if not str(target_id).isdigit() or int(target_id) in seen:
            continue
        seen.add(int(target_id))
        batch.append((workspace_id, int(target_id), data or {}, created_at))
    existing = set(Conversation.objects.filter(pk__in=seen).values_list("pk", flat=True))
    FirstResponse.objects.bulk_create(
        [
            FirstResponse(
                workspace_id=workspace_id,
                conversation_id=conversation_id,
                data=data,
                recorded_at=created_at,
            )
            for workspace_id, conversation_id, data, created_at in batch
            if conversation_id in existing
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_verbs_under_their_domain"),
        ("inbox", "0005_fewer_conversation_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="FirstResponse",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("data", models.JSONField(default=dict)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "conversation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="first_response",
                        to="inbox.conversation",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.workspace"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["workspace", "recorded_at"], name="inbox_first_workspa_c9e3c0_idx")],
            },
        ),
        migrations.RunPython(copy_first_responses, migrations.RunPython.noop),
    ]

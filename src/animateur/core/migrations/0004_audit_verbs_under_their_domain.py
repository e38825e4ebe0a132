"""The audit verbs that named no domain take their app's prefix, as every other verb does.

The registry (core/audit_verbs.py) lists each verb once; these four were free strings before it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

RENAMED = {
    "comment.post": "space.comment.post",
    "comment.reply_as_organisation": "space.comment.reply_as_organisation",
    "message.reply": "channel.message.reply",
    "message.set_visibility": "stream.message.set_visibility",
}


def forwards(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects
    for old, new in RENAMED.items():
        events.filter(verb=old).update(verb=new)


def backwards(apps: Any, schema_editor: Any) -> None:
    events = apps.get_model("core", "AuditEvent").objects
    for old, new in RENAMED.items():
        events.filter(verb=new).update(verb=old)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_attempt_counters_and_recovery_codes")]

    operations = [migrations.RunPython(forwards, backwards)]

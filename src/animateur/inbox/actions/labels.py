"""Labels: created for the workspace, set on a conversation."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.inbox.actions._shared import touch
from animateur.inbox.models import (
    Conversation,
    Label,
)


def do_set_conversation_labels(conversation: Conversation, labels: Iterable[Label], *, actor: Actor) -> None:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    labels = list(labels)
    if any(label.workspace_id != workspace.pk for label in labels):
        raise ActionError(_("Unknown label."))
    with transaction.atomic(durable=True):
        before = sorted(conversation.labels.values_list("name", flat=True))
        conversation.labels.set(labels)
        touch(conversation)
        conversation.save(update_fields=["updated_at"])
        record(
            workspace,
            actor,
            AuditVerb.INBOX_CONVERSATION_LABELS,
            conversation,
            {"from": before, "to": sorted(label.name for label in labels)},
        )


def do_create_label(workspace: Workspace, name: str, *, actor: Actor, color: str = "#777777") -> Label:
    """A new label of the workspace; a name it already has returns that label, and (nothing changed) no event."""
    require(actor, workspace, "inbox.work")
    name = (name or "").strip()[:60]
    if not name:
        raise ActionError(_("A label needs a name."))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color or ""):
        raise ActionError(_("A colour is written #rrggbb."))
    with transaction.atomic(durable=True):
        label, created = Label.objects.get_or_create(workspace=workspace, name=name, defaults={"color": color})
        if created:
            record(workspace, actor, AuditVerb.INBOX_LABEL_CREATE, label, {"name": name})
    return label

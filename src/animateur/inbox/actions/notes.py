"""The team's notes on a conversation, with @mentions that notify the teammates named."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.html import render_markdown
from animateur.core.models import User
from animateur.inbox.actions._shared import touch
from animateur.inbox.actions.notifications import notify
from animateur.inbox.models import (
    Conversation,
    Note,
    Notification,
)
from animateur.inbox.selectors import mentioned_users


def do_add_note(conversation: Conversation, text: str, *, actor: User) -> Note:
    workspace = conversation.workspace
    require(actor, workspace, "inbox.work")
    text = (text or "").strip()
    if not text:
        raise ActionError(_("The note is empty."))
    if len(text) > 20_000:
        raise ActionError(_("The note is too long."))
    with transaction.atomic(durable=True):
        note = Note.objects.create(
            conversation=conversation, author=actor, text=text, html=render_markdown(text, comment=True)
        )
        mentions = mentioned_users(workspace, text)
        note.mentions.set(mentions)
        touch(conversation)
        conversation.save(update_fields=["updated_at"])
        record(
            workspace,
            actor,
            AuditVerb.INBOX_NOTE_ADD,
            conversation,
            {"note": note.pk, "mentions": [u.pk for u in mentions]},
        )
        for user in mentions:
            if user != actor:
                notify(
                    user,
                    conversation,
                    Notification.Kind.MENTIONED,
                    _("%(actor)s mentioned you in a note") % {"actor": actor.name},
                )
    return note

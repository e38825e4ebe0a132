"""Saved replies: the team's ready answers, with {member_name}, {workspace_name} and {agent_name}."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.inbox.models import (
    SavedReply,
)


def do_save_saved_reply(
    workspace: Workspace,
    *,
    actor: Actor,
    title: str,
    body: str,
    language: str = "",
    reply: SavedReply | None = None,
) -> SavedReply:
    require(actor, workspace, "inbox.saved_reply.edit")
    title, body = (title or "").strip()[:120], (body or "").strip()
    if not title or not body:
        raise ActionError(_("A saved reply needs a title and a text."))
    unknown = set(re.findall(r"\{(\w+)\}", body)) - {"member_name", "workspace_name", "agent_name"}
    if unknown:
        raise ActionError(_("Unknown variable: %(names)s") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic(durable=True):
        reply = reply or SavedReply(workspace=workspace)
        reply.title, reply.body, reply.language = title, body, (language or "")[:8]
        reply.save()
        record(workspace, actor, AuditVerb.INBOX_SAVED_REPLY_SAVE, reply, {"title": title})
    return reply


def do_delete_saved_reply(reply: SavedReply, *, actor: Actor) -> None:
    require(actor, reply.workspace, "inbox.saved_reply.edit")
    with transaction.atomic(durable=True):
        record(reply.workspace, actor, AuditVerb.INBOX_SAVED_REPLY_DELETE, reply, {"title": reply.title})
        reply.delete()

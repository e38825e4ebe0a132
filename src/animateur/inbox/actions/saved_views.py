"""Saved views of the conversation list: one's own, or shared with the team."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace
from animateur.inbox.models import (
    SavedView,
)


def do_save_view(workspace: Workspace, name: str, filters: dict, *, actor: User, shared: bool = False) -> SavedView:
    require(actor, workspace, "inbox.view")
    if shared:
        require(actor, workspace, "inbox.view.share")
    name = (name or "").strip()[:80]
    if not name:
        raise ActionError(_("A view needs a name."))
    with transaction.atomic(durable=True):
        view = SavedView.objects.create(
            workspace=workspace, owner=None if shared else actor, name=name, filters=filters
        )
        record(workspace, actor, AuditVerb.INBOX_VIEW_SAVE, view, {"name": name, "shared": shared})
    return view


def do_delete_view(view: SavedView, *, actor: User) -> None:
    if view.owner_id is None:
        require(actor, view.workspace, "inbox.view.share")
    elif view.owner_id != actor.pk:
        raise ActionError(_("This view is not yours."))
    with transaction.atomic(durable=True):
        record(view.workspace, actor, AuditVerb.INBOX_VIEW_DELETE, view, {"name": view.name})
        view.delete()

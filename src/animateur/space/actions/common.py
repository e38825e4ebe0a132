"""What the space's actions share: the public pages to expire after commit, the workspace check."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError
from animateur.core.models import Workspace
from animateur.space.versions import posts_changed


def expire_pages_on_commit(workspace: Workspace) -> None:
    transaction.on_commit(lambda: posts_changed(workspace))


def check_same_workspace(workspace: Workspace, objects: Iterable[Model | None]) -> None:
    """Refuse an author, a parent, a category or a tag chosen from another workspace (an absurd id)."""
    for obj in objects:
        if obj is not None and getattr(obj, "workspace_id", None) != workspace.pk:
            raise ActionError(_("« %(name)s » belongs to another workspace.") % {"name": obj})

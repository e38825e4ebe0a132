"""A team member's own account: the name the team sees and the language of the app.

Nobody changes another person's account here; roles and membership are the team page's.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace

# Blank: the app speaks each workspace's own language.
APP_LANGUAGES = ("", "fr", "en")
NAME_MAX_LENGTH = 150


def do_update_account(user: User, *, display_name: str, language: str, actor: Actor) -> list[str]:
    """Save the user's name and language; returns the fields that changed (none: nothing recorded)."""
    if actor != user:
        raise PermissionDenied("account.change")
    display_name = " ".join((display_name or "").split())
    if len(display_name) > NAME_MAX_LENGTH:
        raise ActionError(_("A name has at most %(count)d characters.") % {"count": NAME_MAX_LENGTH})
    if language not in APP_LANGUAGES:
        raise ActionError(_("Unknown language: choose French or English."))
    wanted = {"display_name": display_name, "language": language}
    changed = [field for field, value in wanted.items() if getattr(user, field) != value]
    if not changed:
        return []
    with transaction.atomic(durable=True):
        User.objects.filter(pk=user.pk).update(**wanted)
        for field, value in wanted.items():
            setattr(user, field, value)
        # The trail is per workspace: each workspace the person belongs to sees the change.
        for workspace in Workspace.objects.filter(memberships__user=user):
            record(workspace, actor, AuditVerb.USER_UPDATE_ACCOUNT, user, {field: wanted[field] for field in changed})
    return changed

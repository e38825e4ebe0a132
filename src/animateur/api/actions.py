from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.api.models import ApiToken
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import User, Workspace


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def do_create_api_token(workspace: Workspace, user: User, name: str, *, actor: Actor) -> tuple[ApiToken, str]:
    """A token acting as `user` in `workspace`, never beyond the user's role; returns the key once."""
    require(actor, workspace, "api.token.manage")
    if user.role_in(workspace) is None:
        raise ActionError(_("The token's user must be a member of the workspace."))
    key = "ant_" + secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        token = ApiToken.objects.create(
            workspace=workspace, user=user, name=(name or "token")[:100], key_hash=hash_key(key)
        )
        record(workspace, actor, AuditVerb.API_TOKEN_CREATE, token, {"user": user.pk, "name": token.name})
    return token, key


def do_revoke_api_token(token: ApiToken, *, actor: Actor) -> None:
    """The key stops working at once; the row stays, so the audit trail can still name it."""
    from django.utils import timezone

    require(actor, token.workspace, "api.token.manage")
    if token.revoked_at is not None:
        raise ActionError(_("This token is already revoked."))
    with transaction.atomic(durable=True):
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        record(token.workspace, actor, AuditVerb.API_TOKEN_REVOKE, token, {"name": token.name})

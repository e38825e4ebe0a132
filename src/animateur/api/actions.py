from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from animateur.api.models import ApiToken
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.models import User, Workspace


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def do_create_api_token(workspace: Workspace, user: User, name: str, *, actor: Actor) -> tuple[ApiToken, str]:
    """A token acting as `user` in `workspace`, never beyond the user's role; returns the key once."""
    require(actor, workspace, "api.token.manage")
    if user.role_in(workspace) is None:
        raise ActionError("the token's user must be a member of the workspace")
    key = "ant_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            workspace=workspace, user=user, name=(name or "token")[:100], key_hash=hash_key(key)
        )
        record(workspace, actor, "api.token.create", token, {"user": user.pk, "name": token.name})
    return token, key

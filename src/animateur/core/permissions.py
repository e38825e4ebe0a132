"""The permission matrix: the one place that says which role may do what.

Views, the API, the CLI and actions ask `has_permission`; nothing else decides.
Objects of another workspace are never reached at all (selectors filter by workspace,
views answer 404), so the matrix only speaks of roles inside one workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from animateur.core.roles import Role

if TYPE_CHECKING:
    from animateur.core.models import User, Workspace

O, M, MO, A, G = Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST
EVERYONE = frozenset({O, M, MO, A, G})
STAFF = frozenset({O, M, MO})

MATRIX: dict[str, frozenset[str]] = {
    # the workspace and its team
    "workspace.view": EVERYONE,
    "workspace.settings": frozenset({O}),
    "team.view": frozenset({O, M}),
    "team.invite": frozenset({O, M}),
    "team.change_role": frozenset({O}),
    "audit.view": frozenset({O, M}),
    # the community space
    "space.post.view_drafts": frozenset({O, M, MO, A, G}),
    "space.post.write": frozenset({O, M}),
    "space.post.publish": frozenset({O, M}),
    "space.post.approve": frozenset({O, M, G}),
    "space.taxonomy.edit": frozenset({O, M}),
    "space.comment.moderate": STAFF,
    "space.comment.reply": STAFF,
    "space.import": frozenset({O, M}),
    "space.export": frozenset({O, M}),
    # the stream and the inbox
    "stream.read": EVERYONE,
    "inbox.view": frozenset({O, M, MO, A, G}),
    "inbox.work": STAFF,
    "inbox.reply": STAFF,
    "inbox.assign": STAFF,
    "inbox.saved_reply.edit": frozenset({O, M}),
    "inbox.view.share": frozenset({O, M}),
    "inbox.sla.edit": frozenset({O, M}),
    "reports.view": frozenset({O, M, MO, A, G}),
    # channels
    "channel.view": frozenset({O, M, MO, A}),
    "channel.manage": frozenset({O, M}),
    # moderation
    "moderation.review": STAFF,
    "moderation.rules.edit": frozenset({O, M}),
    "moderation.sanction": STAFF,
    "moderation.escalate": STAFF,
    # the API
    "api.token.manage": frozenset({O, M}),
}


def roles_for(permission: str) -> frozenset[str]:
    try:
        return MATRIX[permission]
    except KeyError:  # a typo must fail loudly, never grant
        raise KeyError(f"unknown permission {permission!r}") from None


def role_allows(role: str | None, permission: str) -> bool:
    return role is not None and role in roles_for(permission)


def has_permission(user: User | None, workspace: Workspace, permission: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return role_allows(user.role_in(workspace), permission)

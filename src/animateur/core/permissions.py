"""The permission matrix: the one place that says which role may do what.

Views, the API, the CLI and actions ask `has_permission`; nothing else decides.
Objects of another workspace are never reached at all (selectors filter by workspace,
views answer 404), so the matrix only speaks of roles inside one workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser

from animateur.core.roles import Role

if TYPE_CHECKING:
    from animateur.core.models import User, Workspace

OWN, MAN, MOD, ANA, GST = Role.OWNER, Role.MANAGER, Role.MODERATOR, Role.ANALYST, Role.GUEST
EVERYONE = frozenset({OWN, MAN, MOD, ANA, GST})
STAFF = frozenset({OWN, MAN, MOD})

MATRIX: dict[str, frozenset[str]] = {
    # the workspace and its team
    "workspace.view": EVERYONE,
    "workspace.settings": frozenset({OWN}),
    "team.view": frozenset({OWN, MAN}),
    "team.invite": frozenset({OWN, MAN}),
    "team.change_role": frozenset({OWN}),
    "audit.view": frozenset({OWN, MAN}),
    # the community space
    "space.post.view_drafts": frozenset({OWN, MAN, MOD, ANA, GST}),
    "space.post.write": frozenset({OWN, MAN}),
    "space.post.publish": frozenset({OWN, MAN}),
    "space.post.approve": frozenset({OWN, MAN, GST}),
    "space.taxonomy.edit": frozenset({OWN, MAN}),
    "space.comment.moderate": STAFF,
    "space.comment.reply": STAFF,
    "space.import": frozenset({OWN, MAN}),
    "space.export": frozenset({OWN, MAN}),
    # the stream and the inbox
    "stream.read": EVERYONE,
    "inbox.view": frozenset({OWN, MAN, MOD, ANA, GST}),
    "inbox.work": STAFF,
    "inbox.reply": STAFF,
    "inbox.assign": STAFF,
    "inbox.saved_reply.edit": frozenset({OWN, MAN}),
    "inbox.view.share": frozenset({OWN, MAN}),
    "inbox.sla.edit": frozenset({OWN, MAN}),
    "reports.view": frozenset({OWN, MAN, MOD, ANA, GST}),
    # channels
    "channel.view": frozenset({OWN, MAN, MOD, ANA}),
    "channel.manage": frozenset({OWN, MAN}),
    # moderation
    "moderation.review": STAFF,
    "moderation.rules.edit": frozenset({OWN, MAN}),
    "moderation.sanction": STAFF,
    "moderation.escalate": STAFF,
    # the API
    "api.token.manage": frozenset({OWN, MAN}),
}


def roles_for(permission: str) -> frozenset[str]:
    try:
        return MATRIX[permission]
    except KeyError:  # a typo must fail loudly, never grant
        raise KeyError(f"unknown permission {permission!r}") from None


def role_allows(role: str | None, permission: str) -> bool:
    return role is not None and role in roles_for(permission)


def has_permission(user: User | AnonymousUser | None, workspace: Workspace, permission: str) -> bool:
    """Whether the user may do it in the workspace; visitors (anonymous or none) may do nothing."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return False
    return role_allows(user.role_in(workspace), permission)

"""The permission matrix: the one place that says which role may do what.

Views, the API, the CLI and actions ask `has_permission`; nothing else decides.
Objects of another workspace are never reached at all (selectors filter by workspace,
views answer 404), so the matrix only speaks of roles inside one workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
    "stream.export": frozenset({OWN, MAN}),
    "inbox.view": frozenset({OWN, MAN, MOD, ANA, GST}),
    "inbox.work": STAFF,
    "inbox.reply": STAFF,
    "inbox.assign": STAFF,
    "inbox.saved_reply.edit": frozenset({OWN, MAN}),
    "inbox.view.share": frozenset({OWN, MAN}),
    "inbox.sla.edit": frozenset({OWN, MAN}),
    "reports.view": frozenset({OWN, MAN, MOD, ANA, GST}),
    "reports.objectives.edit": frozenset({OWN, MAN}),
    "reports.schedules.edit": frozenset({OWN, MAN}),
    "reports.branding.edit": frozenset({OWN, MAN}),
    "reports.saved.edit": frozenset({OWN, MAN}),
    # channels
    "channel.view": frozenset({OWN, MAN, MOD, ANA}),
    "channel.manage": frozenset({OWN, MAN}),
    # moderation
    "moderation.review": STAFF,
    "moderation.rules.edit": frozenset({OWN, MAN}),
    "moderation.sanction": STAFF,
    "moderation.escalate": STAFF,
    # listening and e-reputation
    "listening.view": frozenset({OWN, MAN, MOD, ANA}),
    "listening.search.edit": frozenset({OWN, MAN, ANA}),
    "listening.crisis": STAFF,
    # publishing to the networks
    "publishing.view": frozenset({OWN, MAN, MOD, ANA}),
    "publishing.write": frozenset({OWN, MAN}),
    "publishing.publish": frozenset({OWN, MAN}),
    "publishing.approve": frozenset({OWN, MAN}),
    # tracked links (the links app)
    "links.view": frozenset({OWN, MAN, MOD, ANA}),
    "links.manage": frozenset({OWN, MAN}),
    # members: profiles, identity resolution, engagement, GDPR
    "members.view": frozenset({OWN, MAN, MOD, ANA}),
    "members.edit": STAFF,
    "members.merge": frozenset({OWN, MAN}),
    "members.settings": frozenset({OWN, MAN}),
    "members.export": frozenset({OWN, MAN}),
    "members.erase": frozenset({OWN}),
    # the API, and webhooks of the workspace's events
    "api.token.manage": frozenset({OWN, MAN}),
    "webhooks.view": frozenset({OWN, MAN}),
    "webhooks.manage": frozenset({OWN}),
}


# What each permission lets a person do, in words: the team page's table of roles and the 403
# page read them. tests/core/test_roles_explained.py fails on a permission without its words.
PERMISSION_LABELS: dict[str, Promise] = {
    "workspace.view": _("Open the team app of the workspace"),
    "workspace.settings": _("Change the workspace's settings, security included"),
    "team.view": _("See the team"),
    "team.invite": _("Invite teammates"),
    "team.change_role": _("Change roles and remove members"),
    "audit.view": _("Read the audit trail"),
    "space.post.view_drafts": _("Read drafts of posts and pages"),
    "space.post.write": _("Write posts and pages"),
    "space.post.publish": _("Publish posts and pages"),
    "space.post.approve": _("Approve posts before they are published"),
    "space.taxonomy.edit": _("Edit categories and tags"),
    "space.comment.moderate": _("Moderate comments"),
    "space.comment.reply": _("Reply to comments as the organisation"),
    "space.import": _("Import a WordPress site"),
    "space.export": _("Export the site"),
    "stream.read": _("Read every message received"),
    "stream.export": _("Export every message of the workspace"),
    "inbox.view": _("Read the inbox"),
    "inbox.work": _("Work conversations: state, priority, notes"),
    "inbox.reply": _("Reply to conversations"),
    "inbox.assign": _("Assign conversations"),
    "inbox.saved_reply.edit": _("Edit saved replies"),
    "inbox.view.share": _("Share inbox views with the team"),
    "inbox.sla.edit": _("Set response-time targets and business hours"),
    "reports.view": _("See the reports"),
    "reports.objectives.edit": _("Set the objectives"),
    "reports.schedules.edit": _("Send reports by email on a schedule"),
    "reports.branding.edit": _("Set the reports' logo and colour"),
    "reports.saved.edit": _("Save reports of chosen indicators"),
    "channel.view": _("See the channels"),
    "channel.manage": _("Connect and manage channels"),
    "moderation.review": _("Review the moderation queue"),
    "moderation.rules.edit": _("Edit moderation rules and watched words"),
    "moderation.sanction": _("Sanction community members"),
    "moderation.escalate": _("Escalate messages"),
    "listening.view": _("See listening searches, their results and spikes"),
    "listening.search.edit": _("Write, edit and delete listening searches"),
    "listening.crisis": _("Open crisis rooms from spikes and keep their log"),
    "publishing.view": _("See the publications and where they were published"),
    "publishing.write": _("Write publications and save them as drafts"),
    "publishing.publish": _("Publish and schedule publications on the networks"),
    "publishing.approve": _("Approve publications that await a role's approval"),
    "links.view": _("See the tracked links and their clicks"),
    "links.manage": _("Create and delete tracked links"),
    "members.view": _("See the members, their identities and engagement"),
    "members.edit": _("Write notes and tags on members, mark ambassadors"),
    "members.merge": _("Merge members, undo merges, decide on merge suggestions"),
    "members.settings": _("Change how engagement is weighed and recompute the members"),
    "members.export": _("Export a member's data (GDPR)"),
    "members.erase": _("Erase a member and everything they wrote (GDPR)"),
    "api.token.manage": _("Manage API tokens"),
    "webhooks.view": _("See the webhooks and their deliveries"),
    "webhooks.manage": _("Subscribe webhooks to the workspace's events, replay deliveries"),
}

# The parts of the product, in the order the table of roles shows them, with the first words of
# the permissions each one holds.
PERMISSION_AREAS: list[tuple[Promise, tuple[str, ...]]] = [
    (_("Workspace and team"), ("workspace", "team", "audit")),
    (_("Community space"), ("space",)),
    (_("Stream and inbox"), ("stream", "inbox")),
    (_("Reports"), ("reports",)),
    (_("Channels"), ("channel",)),
    (_("Moderation"), ("moderation",)),
    (_("Listening"), ("listening",)),
    (_("Publishing"), ("publishing", "links")),
    (_("Members"), ("members",)),
    (_("API and webhooks"), ("api", "webhooks")),
]

RoleRow = tuple[Promise | str, list[bool]]


def roles_table() -> list[tuple[Promise | str, list[RoleRow]]]:
    """The matrix as people read it: per area, each permission in words and whether each role has it.

    Roles in Role's order (owner first). A permission added without its words or area still shows
    (as its code, under « Other ») rather than break the team page; tests/core's roles test fails on it.
    """
    area_of = {prefix: index for index, (_label, prefixes) in enumerate(PERMISSION_AREAS) for prefix in prefixes}
    labels: list[Promise | str] = [label for label, _prefixes in PERMISSION_AREAS]
    labels.append(_("Other"))
    rows: list[list[RoleRow]] = [[] for _label in labels]
    for permission, roles in MATRIX.items():
        index = area_of.get(permission.split(".", 1)[0], len(labels) - 1)
        rows[index].append((PERMISSION_LABELS.get(permission, permission), [role in roles for role in Role.values]))
    return [(label, area_rows) for label, area_rows in zip(labels, rows, strict=True) if area_rows]


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

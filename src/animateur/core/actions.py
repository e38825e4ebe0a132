"""The actions base: every write checks the permission and leaves an AuditEvent.

An action is `do_<verb>_<noun>(..., *, actor)`. The actor is a team member (`User`)
or a component of the system (`SystemActor("importer")`), which passes permission checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone as dj_timezone

from animateur.core import bulk
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit_many, listened
from animateur.core.models import AuditEvent, User, Workspace
from animateur.core.permissions import has_permission

AUDIT_RECORDED = "audit.recorded"


@dataclass(frozen=True)
class SystemActor:
    component: str

    def __str__(self) -> str:
        return f"system:{self.component}"


Actor = User | SystemActor


class ActionError(ValueError):
    """Bad input to an action: the message names the problem; nothing was changed."""


def require(actor: Actor, workspace: Workspace, permission: str) -> None:
    if isinstance(actor, SystemActor):
        return
    if not has_permission(actor, workspace, permission):
        raise PermissionDenied(permission)


def actor_label(actor: Actor) -> str:
    return str(actor) if isinstance(actor, SystemActor) else f"user:{actor.pk}"


def record(
    workspace: Workspace,
    actor: Actor,
    verb: AuditVerb,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent.objects.create(
        workspace=workspace,
        actor_user=actor if isinstance(actor, User) else None,
        actor=actor_label(actor),
        # A verb built at run time (f"moderation.{decision}") must still be one of the registry's.
        verb=AuditVerb(verb),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
    _announce(workspace, [(event.verb, event.actor, event.target_type, event.target_id, event.data)])
    return event


def _announce(workspace: Workspace, recorded: list[tuple[str, str, str, str, dict[str, Any]]]) -> None:
    """Every action is also an event (`audit.recorded`), sent after commit to whoever subscribed:
    the domain events (conversation.assigned, …) say more about some; this one covers them all."""
    if not recorded or not listened(workspace, AUDIT_RECORDED):
        return
    emit_many(
        workspace,
        [
            (
                AUDIT_RECORDED,
                {"verb": verb, "actor": actor, "target": {"type": target_type, "id": target_id}, "data": data},
            )
            for verb, actor, target_type, target_id, data in recorded
        ],
    )


# workspace, actor, verb, target type (a model's label_lower), target id, data
Event = tuple[Workspace, Actor, AuditVerb, str, object, dict[str, Any]]
EVENT_COLUMNS = ("workspace_id", "actor_user_id", "actor", "verb", "target_type", "target_id", "data", "created_at")


def record_many(events: Iterable[Event]) -> None:
    """What `record` writes, for many events in one insert: a pipeline batch writes all of its own at once."""
    events = list(events)
    now = dj_timezone.now()
    rows = [
        (
            workspace.pk,
            actor.pk if isinstance(actor, User) else None,
            actor_label(actor),
            verb,
            target_type,
            str(target_id),
            data,
            now,
        )
        for workspace, actor, verb, target_type, target_id, data in events
    ]
    bulk.insert(AuditEvent, EVENT_COLUMNS, rows)
    by_workspace: dict[int, tuple[Workspace, list[tuple[str, str, str, str, dict[str, Any]]]]] = {}
    for workspace, actor, verb, target_type, target_id, data in events:
        entry = by_workspace.setdefault(workspace.pk, (workspace, []))
        entry[1].append((str(verb), actor_label(actor), target_type, str(target_id), data))
    for workspace, recorded in by_workspace.values():
        _announce(workspace, recorded)


def do_create_workspace(
    slug: str,
    name: str,
    *,
    language: str = "fr",
    timezone: str = "Europe/Paris",
    actor: Actor,
    is_default: bool | None = None,
) -> Workspace:
    """A new workspace with its site channel; the first one becomes the default site."""
    import zoneinfo

    from django.conf import settings
    from django.db import transaction
    from django.utils.module_loading import import_string
    from django.utils.text import slugify

    if not slug or slugify(slug) != slug:
        raise ActionError(f"invalid slug {slug!r}: use lowercase letters, digits and hyphens")
    if language not in ("fr", "en"):
        raise ActionError(f"unsupported language {language!r}: use fr or en")
    if timezone not in zoneinfo.available_timezones():
        raise ActionError(f"unknown time zone {timezone!r}")
    if not name.strip():
        raise ActionError("a workspace needs a name")
    if Workspace.objects.filter(slug=slug).exists():
        raise ActionError(f"workspace {slug!r} already exists")
    with transaction.atomic():
        if is_default is None:
            is_default = not Workspace.objects.filter(is_default=True).exists()
        workspace = Workspace.objects.create(
            slug=slug, name=name.strip(), language=language, timezone=timezone, is_default=is_default
        )
        # What the apps above core set up for every workspace (its site's channel), named in settings.
        for path in settings.WORKSPACE_SETUP:
            import_string(path)(workspace)
        record(workspace, actor, AuditVerb.WORKSPACE_CREATE, workspace, {"slug": slug, "name": workspace.name})
    return workspace


def do_add_member(workspace: Workspace, user: User, role: str, *, actor: Actor) -> None:
    from django.db import transaction

    from animateur.core.models import Membership
    from animateur.core.roles import Role

    if role not in Role.values:
        raise ActionError(f"unknown role {role!r}: use one of {', '.join(Role.values)}")
    require(actor, workspace, "team.invite")
    if role == Role.OWNER:
        require(actor, workspace, "team.change_role")
    with transaction.atomic():
        Membership.objects.update_or_create(user=user, workspace=workspace, defaults={"role": role})
        record(workspace, actor, AuditVerb.TEAM_ADD_MEMBER, user, {"role": role, "email": user.email})
    user.__dict__.pop("_roles", None)

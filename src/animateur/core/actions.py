"""The actions base: every write checks the permission and leaves an AuditEvent.

An action is `do_<verb>_<noun>(..., *, actor)`. The actor is a team member (`User`)
or a component of the system (`SystemActor("importer")`), which passes permission checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

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


def refuse_nesting() -> None:
    """Fail as a durable transaction would, before an action does what no rollback undoes (a call
    to another server): inside a caller's transaction, the answer would be sent and then lost."""
    with transaction.atomic(durable=True):
        pass


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


def check_new_workspace(slug: str, name: str, *, language: str, timezone: str) -> None:
    """Refuse, naming the problem, what `create_workspace` cannot make."""
    import zoneinfo

    from django.utils.text import slugify

    if not slug or slugify(slug) != slug:
        raise ActionError(_("Invalid slug « %(slug)s »: use lowercase letters, digits and hyphens.") % {"slug": slug})
    if language not in ("fr", "en"):
        raise ActionError(_("Unsupported language « %(language)s »: use fr or en.") % {"language": language})
    if timezone not in zoneinfo.available_timezones():
        raise ActionError(_("Unknown time zone « %(timezone)s ».") % {"timezone": timezone})
    if not name.strip():
        raise ActionError(_("A workspace needs a name."))
    if Workspace.objects.filter(slug=slug).exists():
        raise ActionError(_("The workspace « %(slug)s » already exists.") % {"slug": slug})


def create_workspace(
    slug: str, name: str, *, language: str, timezone: str, is_default: bool | None = None
) -> Workspace:
    """The workspace and what every app sets up for it, in the caller's transaction, unrecorded:
    shared by `do_create_workspace` and loaders that record one event of their own."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    if is_default is None:
        is_default = not Workspace.objects.filter(is_default=True).exists()
    workspace = Workspace.objects.create(
        slug=slug, name=name.strip(), language=language, timezone=timezone, is_default=is_default
    )
    # What the apps above core set up for every workspace (its site's channel), named in settings.
    for path in settings.WORKSPACE_SETUP:
        import_string(path)(workspace)
    return workspace


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
    check_new_workspace(slug, name, language=language, timezone=timezone)
    with transaction.atomic(durable=True):
        workspace = create_workspace(slug, name, language=language, timezone=timezone, is_default=is_default)
        record(workspace, actor, AuditVerb.WORKSPACE_CREATE, workspace, {"slug": slug, "name": workspace.name})
    return workspace


def check_role(role: str) -> None:
    from animateur.core.roles import Role

    if role not in Role.values:
        raise ActionError(
            _("Unknown role « %(role)s »: use one of %(roles)s.") % {"role": role, "roles": ", ".join(Role.values)}
        )


def add_member(workspace: Workspace, user: User, role: str) -> None:
    """The membership itself, in the caller's transaction, unrecorded (see `do_add_member`)."""
    from animateur.core.models import Membership

    Membership.objects.update_or_create(user=user, workspace=workspace, defaults={"role": role})
    user.__dict__.pop("_roles", None)


def do_add_member(workspace: Workspace, user: User, role: str, *, actor: Actor) -> None:
    from animateur.core.roles import Role

    check_role(role)
    require(actor, workspace, "team.invite")
    if role == Role.OWNER:
        require(actor, workspace, "team.change_role")
    with transaction.atomic(durable=True):
        add_member(workspace, user, role)
        record(workspace, actor, AuditVerb.TEAM_ADD_MEMBER, user, {"role": role, "email": user.email})


def do_provision_user(
    workspace: Workspace, email: str, password: str | None, role: str, *, actor: Actor
) -> tuple[User, bool]:
    """An operator's account for a workspace (the command line's createuser): the user is created,
    or their password replaced when one is given, and given `role`; True when the user is new."""
    from animateur.core.roles import Role

    check_role(role)
    require(actor, workspace, "team.invite")
    if role == Role.OWNER:
        require(actor, workspace, "team.change_role")
    with transaction.atomic(durable=True):
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(email, password)
        elif password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        add_member(workspace, user, role)
        record(
            workspace,
            actor,
            AuditVerb.TEAM_ADD_MEMBER,
            user,
            {"role": role, "email": user.email, "created": created, "password_set": password is not None},
        )
    return user, created

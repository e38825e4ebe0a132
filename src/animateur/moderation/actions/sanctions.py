"""Sanctions on members of the community: warn, mute, ban; and lifting them."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.moderation.actions.decisions import moderate
from animateur.moderation.actions.shared import user_of
from animateur.moderation.models import (
    ReviewItem,
    Sanction,
)
from animateur.stream.models import Member, Message


def do_sanction_member(member: Member, kind: str, reason: str, days: int | None = None, *, actor: Actor) -> Sanction:
    workspace = member.workspace
    require(actor, workspace, "moderation.sanction")
    if kind not in Sanction.Kind.values:
        raise ActionError(_("Unknown sanction « %(kind)s »: a warning, a mute or a ban.") % {"kind": kind})
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("A sanction needs a reason."))
    if days is not None and days <= 0:
        raise ActionError(_("The duration is a positive number of days (or empty: until lifted)."))
    now = timezone.now()
    with transaction.atomic(durable=True):
        sanction = Sanction.objects.create(
            workspace=workspace,
            member=member,
            kind=kind,
            reason=reason[:500],
            starts_at=now,
            ends_at=now + timedelta(days=days) if days else None,
            created_by=user_of(actor),
        )
        rejected: list[int] = []
        if kind == Sanction.Kind.BAN:
            # What the author said before the ban would now be hidden on arrival: the queue's own
            # reject decides it (items resolved, lessons, source, events); the ban's audit event
            # names the messages. A mute keeps them held.
            held = Message.objects.filter(
                workspace=workspace,
                author__member=member,
                review_item__status__in=ReviewItem.OPEN,
            ).select_related("channel", "workspace", "author")
            rows = list(held)
            moderate(workspace, rows, "reject", actor, audit=False)
            rejected = [m.pk for m in rows]
        sanction.rejected_held = len(rejected)
        record(
            workspace,
            actor,
            AuditVerb(f"moderation.sanction.{kind}"),
            member,
            {"sanction": sanction.pk, "reason": sanction.reason, "days": days, "rejected": rejected},
        )
    return sanction


def do_lift_sanction(sanction: Sanction, reason: str = "", *, actor: Actor) -> Sanction:
    workspace = sanction.workspace
    require(actor, workspace, "moderation.sanction")
    if sanction.lifted_at is not None:
        raise ActionError(_("This sanction was already lifted."))
    with transaction.atomic(durable=True):
        sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = (
            timezone.now(),
            user_of(actor),
            reason[:500],
        )
        sanction.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record(
            workspace,
            actor,
            AuditVerb.MODERATION_SANCTION_LIFT,
            sanction.member,
            {"sanction": sanction.pk, "kind": sanction.kind, "reason": reason[:500]},
        )
    return sanction

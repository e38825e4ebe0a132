"""Flags on messages, by a teammate or by a member of the community."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.moderation.actions.shared import user_of
from animateur.moderation.models import (
    Flag,
)
from animateur.moderation.prefs import (
    settings_for,
)
from animateur.moderation.reviews import enqueue
from animateur.moderation.selectors import flag_weight
from animateur.stream.actions import apply_visibility, messages_of_one_workspace
from animateur.stream.items import Reason
from animateur.stream.models import Member, Message, Visibility


def do_flag_message(message: Message, reason: str = "", *, actor: Actor, by_member: Member | None = None) -> Flag:
    """A teammate (actor) or a member of the community (by_member, actor = SystemActor) flags a message."""
    workspace = message.workspace
    if by_member is None:
        require(actor, workspace, "stream.read")
    elif by_member.workspace_id != workspace.pk:
        raise ActionError(_("No such member."))
    user = user_of(actor)
    duplicate = Flag.objects.filter(message=message, outcome="")
    if (user and duplicate.filter(by_user=user).exists()) or (
        by_member and duplicate.filter(by_member=by_member).exists()
    ):
        raise ActionError(_("You already flagged this message."))
    weight = flag_weight(workspace, by_member)
    prefs = settings_for(workspace)
    with transaction.atomic(durable=True):
        flag = Flag.objects.create(
            workspace=workspace,
            message=message,
            by_user=user,
            by_member=by_member,
            reason=reason[:500],
            weight=weight,
            flagged_member_id=message.author.member_id if message.author is not None else None,
        )
        who = user.email if user else (by_member.display_name if by_member else "")
        enqueue(message, [Reason("flag", f"{who}: {reason}"[:500], weight, "flag")])
        total = sum(Flag.objects.filter(message=message, outcome="").values_list("weight", flat=True))
        # Enough weight holds the message: part of this flag's change, named in its audit event.
        held = total >= prefs.flag_hold_weight and message.visibility == Visibility.VISIBLE
        if held:
            _workspace, rows = messages_of_one_workspace([message], Visibility.PENDING)
            apply_visibility(workspace, rows, Visibility.PENDING)
            message.visibility = Visibility.PENDING
        record(
            workspace,
            actor,
            AuditVerb.MODERATION_FLAG,
            message,
            {
                "weight": weight,
                "reason": reason[:500],
                "by_member": by_member.pk if by_member else None,
                "held": held,
            },
        )
    return flag

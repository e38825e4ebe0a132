"""What rules do after a message is stored: assign, auto-reply, alert, webhook, hide at the source."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from animateur.core.actions import SystemActor, record
from animateur.core.models import Membership, User
from animateur.moderation.models import ReviewItem
from animateur.moderation.rules import Plan
from animateur.moderation.sources import act_at_source, can, connector
from animateur.stream.models import Message

log = logging.getLogger(__name__)
ACTOR = SystemActor("moderation")


def teammate(workspace_id: int, ref: str) -> User | None:
    """A team member of the workspace named by email or id; None for anyone else."""
    query = Membership.objects.filter(workspace_id=workspace_id).select_related("user")
    ref = ref.strip()
    membership = (
        query.filter(user_id=int(ref)) if ref.isdigit() else query.filter(user__email__iexact=ref)
    ).first()
    return membership.user if membership else None


def has_effects(plan: Plan) -> bool:
    """Whether `run_effects` would do anything: most messages match no rule with an effect."""
    return bool(plan.assign or plan.reply or plan.alerts or plan.webhooks or plan.hide_at_source)


def run_effects(message: Message, plan: Plan) -> None:
    workspace = message.workspace
    if plan.assign:
        _assign(message, plan.assign)
    if plan.reply:
        _reply(message, plan.reply, plan.reply_rule)
    for ref in plan.alerts:
        user = teammate(workspace.pk, ref)
        if user is None:
            log.warning("rule alert to %r: not a member of workspace %s", ref, workspace.pk)
            continue
        link = settings.BASE_URL + reverse("moderation:message", args=[message.pk])
        send_mail(
            f"[{workspace.name}] {message.text[:60]}",
            f"{message.author_name}: {message.text}\n\n{link}",
            None,
            [user.email],
            fail_silently=True,
        )
        record(workspace, ACTOR, "moderation.alert", message, {"to": user.email})
    for url in plan.webhooks:
        from animateur.moderation.tasks import call_webhook

        call_webhook(
            url,
            {
                "workspace": workspace.slug,
                "message": message.pk,
                "channel": message.channel.kind,
                "text": message.text,
                "visibility": message.visibility,
                "url": message.url,
            },
        )
    if plan.hide_at_source and not act_at_source(message, "hide"):
        record(
            workspace,
            ACTOR,
            "moderation.hide_at_source_unsupported",
            message,
            {"channel": message.channel.kind},
        )


def _assign(message: Message, ref: str) -> None:
    user = teammate(message.workspace_id, ref)
    if user is None:
        return
    ReviewItem.objects.filter(message=message).update(assignee=user)
    from animateur.core.actions import ActionError
    from animateur.inbox.actions import do_assign_conversation
    from animateur.inbox.models import ConversationItem

    item = ConversationItem.objects.filter(message=message).select_related("conversation").first()
    if item is not None:
        try:
            do_assign_conversation(item.conversation, user, actor=ACTOR)
        except ActionError as refused:  # e.g. the rule names an analyst, who cannot work conversations
            log.info("rule could not assign message %s: %s", message.pk, refused)
    record(message.workspace, ACTOR, "moderation.assign", message, {"to": user.email})


def _reply(message: Message, ref: str, rule_id: int | None) -> None:
    text = ref
    if re.fullmatch(r"\d+", ref):
        try:
            from animateur.inbox.models import SavedReply  # type: ignore[attr-defined]

            saved = SavedReply.objects.filter(workspace=message.workspace, pk=int(ref)).first()
            text = getattr(saved, "body", None) or getattr(saved, "text", None) or ""
        except ImportError:
            text = ""
    if not text:
        return
    if message.channel.kind != "site":
        found = connector(message) if can(message, "reply") else None
        if found is None:
            record(message.workspace, ACTOR, "moderation.auto_reply_unsupported", message, {"rule": rule_id})
            return
        external_id = found.reply(message, text)
        record(
            message.workspace,
            ACTOR,
            "moderation.auto_reply",
            message,
            {"rule": rule_id, "at_source": external_id},
        )
        return
    from animateur.space.comments import do_reply_as_organisation

    do_reply_as_organisation(message, text, actor=ACTOR)

"""What rules do after a message is stored: assign, auto-reply, alert, webhook, act at the source.

Runs once the batch's transaction has committed. Each effect stands alone: one that fails is
logged and the others still happen. Whatever talks to another server (webhooks, the source) is
handed to a task.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from animateur.core.actions import SystemActor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit_many
from animateur.core.links import absolute_url
from animateur.core.models import Membership, User
from animateur.moderation import sources
from animateur.moderation.models import ReviewItem
from animateur.moderation.rules import Plan
from animateur.stream.models import Message

log = logging.getLogger(__name__)
ACTOR = SystemActor("moderation")


def teammate(workspace_id: int, ref: str) -> User | None:
    """A team member of the workspace named by email or id; None for anyone else."""
    query = Membership.objects.filter(workspace_id=workspace_id).select_related("user")
    ref = ref.strip()
    membership = (query.filter(user_id=int(ref)) if ref.isdecimal() else query.filter(user__email__iexact=ref)).first()
    return membership.user if membership else None


def has_effects(plan: Plan) -> bool:
    """Whether `run_effects` would do anything: most messages match no rule with an effect."""
    return bool(plan.assign or plan.reply or plan.alerts or plan.webhooks or plan.source_action())


def run_effects(message: Message, plan: Plan) -> None:
    steps: list[tuple[str, Callable[[], None]]] = []
    if plan.assign:
        steps.append(("assign", lambda: _assign(message, plan.assign or "")))
    if plan.reply:
        steps.append(("reply", lambda: _reply(message, plan.reply or "", plan.reply_rule)))
    for ref in plan.alerts:
        steps.append(("alert", partial(_alert, message, ref)))
    if plan.webhooks:
        steps.append(("webhook", lambda: _webhooks(message, plan.webhooks)))
    if what := plan.source_action():
        steps.append((what, partial(_act_at_source, message, what)))
    for name, step in steps:
        try:
            step()
        except Exception:
            log.exception("rule effect %s failed for message %s", name, message.pk)


def _alert(message: Message, ref: str) -> None:
    workspace = message.workspace
    user = teammate(workspace.pk, ref)
    if user is None:
        log.warning("rule alert to %r: not a member of workspace %s", ref, workspace.pk)
        return
    link = absolute_url(message.workspace, "moderation:message", (message.pk,))
    send_mail(
        f"[{workspace.name}] {message.text[:60]}",
        f"{message.author_name}: {message.text}\n\n{link}",
        None,
        [user.email],
        fail_silently=True,
    )
    record(workspace, ACTOR, AuditVerb.MODERATION_ALERT, message, {"to": user.email})


def _webhooks(message: Message, calls: list[tuple[int, str]]) -> None:
    """One `moderation.rule_matched` event per rule: the webhooks deliver it to each of its addresses."""
    from animateur.moderation.models import Rule
    from animateur.moderation.webhooks import EVENT, rule_matched_data

    rules = Rule.objects.filter(pk__in={rule_id for rule_id, _url in calls}).order_by("position", "pk")
    emit_many(message.workspace, [(EVENT, rule_matched_data(rule, message)) for rule in rules])


def _act_at_source(message: Message, what: str) -> None:
    """Hide, mark as spam or delete at the source; a channel that cannot says « here only »."""
    sources.request([message], what, requested_by=str(ACTOR))


def _assign(message: Message, ref: str) -> None:
    """The rule's assignee takes the message's review item and conversation: one event, the rule's."""
    from animateur.core.actions import ActionError
    from animateur.inbox.actions.conversations import assign_conversation
    from animateur.inbox.models import ConversationItem

    user = teammate(message.workspace_id, ref)
    if user is None:
        return
    data: dict[str, object] = {"to": user.email}
    with transaction.atomic(durable=True):
        ReviewItem.objects.filter(message=message).update(assignee=user)
        item = ConversationItem.objects.filter(message=message).select_related("conversation").first()
        if item is not None:
            try:
                assign_conversation(item.conversation, user, ACTOR)
                data["conversation"] = item.conversation.pk
            except ActionError as refused:  # e.g. the rule names an analyst, who cannot work conversations
                log.info("rule could not assign message %s: %s", message.pk, refused)
        record(message.workspace, ACTOR, AuditVerb.MODERATION_ASSIGN, message, data)


def reply_text(message: Message, ref: str) -> str:
    """The auto-reply's text: a saved reply (by number) with its variables filled, or the text itself."""
    if not re.fullmatch(r"\d+", ref.strip()):
        return ref
    from animateur.inbox.models import SavedReply

    saved = SavedReply.objects.filter(workspace=message.workspace, pk=int(ref)).first()
    if saved is None:
        return ""
    values = {
        "member_name": message.author_name,
        "workspace_name": message.workspace.name,
        "agent_name": message.workspace.name,  # no teammate wrote it: the organisation signs
    }
    return re.sub(r"\{(member_name|workspace_name|agent_name)\}", lambda m: values[m.group(1)], saved.body)


def _reply(message: Message, ref: str, rule_id: int | None) -> None:
    text = reply_text(message, ref)
    if not text:
        record(message.workspace, ACTOR, AuditVerb.MODERATION_AUTO_REPLY_FAILED, message, {"rule": rule_id, "ref": ref})
        return
    if message.channel.kind == "site":
        from animateur.space.comments import reply_as_organisation

        with transaction.atomic(durable=True):
            answer = reply_as_organisation(message, text, actor=ACTOR)
            record(
                message.workspace,
                ACTOR,
                AuditVerb.MODERATION_AUTO_REPLY,
                message,
                {"rule": rule_id, "answer": answer.pk},
            )
        return
    if not sources.can(message, "reply"):
        record(message.workspace, ACTOR, AuditVerb.MODERATION_AUTO_REPLY_UNSUPPORTED, message, {"rule": rule_id})
        return
    from animateur.moderation.tasks import auto_reply_task

    auto_reply_task(message.pk, text, rule_id)

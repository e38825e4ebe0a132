"""A moderator's decisions on messages (approve, reject, delete, spam) and escalations to a manager."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit_many, message_data
from animateur.core.models import Membership, User, Workspace
from animateur.core.roles import Role
from animateur.moderation import sources
from animateur.moderation.actions.shared import user_of
from animateur.moderation.learning import teach
from animateur.moderation.models import (
    Flag,
    ReviewItem,
    RuleHit,
)
from animateur.moderation.prefs import (
    scoring_text,
    settings_for,
    trusted_link_hosts,
)
from animateur.moderation.rules import RESTRICTIVE
from animateur.stream.actions import apply_visibility, messages_of_one_workspace, permissions_to_change
from animateur.stream.models import Message, Visibility

DECISIONS = {
    "approve": Visibility.VISIBLE,
    "reject": Visibility.HIDDEN,
    "delete": Visibility.TRASH,
    "spam": Visibility.SPAM,
}
# What the message's source is asked to do (after commit, where its connector can); approving
# restores at the source only what we hid there.
AT_SOURCE = {"approve": "restore", "reject": "hide", "delete": "delete", "spam": "spam"}
ITEM_STATUS = {
    "approve": ReviewItem.Status.APPROVED,
    "reject": ReviewItem.Status.REJECTED,
    "delete": ReviewItem.Status.REJECTED,
    "spam": ReviewItem.Status.SPAM,
}


def do_moderate_messages(messages: Iterable[Message], decision: str, *, actor: Actor) -> int:
    """Approve, reject (hide), delete or mark as spam messages of one workspace; returns how many.

    Resolves their review items and flags, records when a rule's action is reversed,
    hides or deletes at the source where the channel can, and teaches the workspace's
    scoring (spam / not spam, hidden / restored).
    """
    return _checked_decision(messages, decision, actor)


def _checked_decision(messages: Iterable[Message], decision: str, actor: Actor) -> int:
    """The decision as both actions make it: checked, one transaction, one audit event a message."""
    if decision not in DECISIONS:
        raise ActionError(_("Unknown decision « %(decision)s ».") % {"decision": decision})
    workspace, rows = messages_of_one_workspace(messages, DECISIONS[decision])
    if workspace is None:
        return 0
    for permission in {"moderation.review"} | permissions_to_change(rows):
        require(actor, workspace, permission)
    with transaction.atomic(durable=True):
        moderate(workspace, rows, decision, actor)
    return len(rows)


def moderate(workspace: Workspace, rows: list[Message], decision: str, actor: Actor, *, audit: bool = True) -> None:
    """A decision on messages already checked, in the caller's transaction: their visibility,
    review items, flags, rules reversed, lessons, the source and the `message.moderated` events.
    Records one audit event per message unless the caller's own event names them (`audit=False`):
    shared with the ban, which rejects what its member still has in the queue."""
    previous = {m.pk: m.visibility for m in rows}
    now = timezone.now()
    apply_visibility(workspace, rows, DECISIONS[decision])
    items = {i.message_id: i for i in ReviewItem.objects.filter(message__in=rows)}
    ReviewItem.objects.filter(message__in=rows).update(
        status=ITEM_STATUS[decision], resolved_at=now, resolved_by=user_of(actor)
    )
    outcome = Flag.Outcome.DISMISSED if decision == "approve" else Flag.Outcome.UPHELD
    Flag.objects.filter(message__in=rows, outcome="").update(outcome=outcome)
    _mark_reversals(rows, decision, actor, now)
    lessons = _lessons(rows, decision, previous, items, trusted_link_hosts(settings_for(workspace)))
    teach(workspace, lessons)
    at_source = AT_SOURCE[decision]
    targets = sources.hidden_at_source(rows) if at_source == "restore" else rows
    sources.request(targets, at_source, requested_by=actor_label(actor))
    for message in rows if audit else ():
        record(
            workspace,
            actor,
            AuditVerb(f"moderation.{decision}"),
            message,
            {
                "from": previous[message.pk],
                "to": DECISIONS[decision],
                "review_item": items[message.pk].pk if message.pk in items else None,
            },
        )
    by = actor_label(actor)
    emit_many(
        workspace,
        [
            (
                "message.moderated",
                {
                    "message": message_data(message),
                    "visibility": DECISIONS[decision],
                    "previous_visibility": previous[message.pk],
                    "by": by,
                },
            )
            for message in rows
        ],
    )


def _mark_reversals(rows: list[Message], decision: str, actor: Actor, now: Any) -> None:
    for hit in RuleHit.objects.filter(message__in=rows, reversed_at__isnull=True):
        kinds = {a.get("type") for a in hit.actions}
        restrictive = bool(kinds & set(RESTRICTIVE))
        if (decision == "approve" and restrictive) or (decision != "approve" and "approve" in kinds):
            hit.reversed_at, hit.reversed_by = now, user_of(actor)
            hit.save(update_fields=["reversed_at", "reversed_by"])


def _lessons(
    rows: list[Message],
    decision: str,
    previous: dict[int, str],
    items: dict[int, ReviewItem],
    trusted_hosts: tuple[str, ...],
) -> list[tuple[str, str | None, str, bool]]:
    """What the adapter learns: each message as the scores read it (``prefs.scoring_text``)."""
    lessons: list[tuple[str, str | None, str, bool]] = []
    for message in rows:
        text = message.raw.get("moderation_original", {}).get("text") or message.text
        text = scoring_text(message.title, text, trusted_hosts)
        lang = message.language or None
        if decision == "spam":
            lessons.append((text, lang, "spam", True))
        elif decision in ("reject", "delete"):
            lessons.append((text, lang, "toxicity", True))
        else:
            lessons.append((text, lang, "spam", False))
            item = items.get(message.pk)
            had_toxicity = item is not None and item.reasons.filter(kind="toxicity-score").exists()
            if had_toxicity or previous[message.pk] == Visibility.HIDDEN:
                lessons.append((text, lang, "toxicity", False))
    return lessons


def do_decide(items: Iterable[ReviewItem], decision: str, *, actor: Actor) -> int:
    """A moderator's decision on review items (the queue's buttons, bulk or one by one)."""
    return _checked_decision([i.message for i in items], decision, actor)


def do_escalate(items: Iterable[ReviewItem], *, to: User | None = None, note: str = "", actor: Actor) -> int:
    """Hand items to a manager: they stay in the queue, marked and assigned to them."""
    items = list(items)
    if not items:
        return 0
    workspace = items[0].workspace
    require(actor, workspace, "moderation.escalate")
    if any(i.workspace_id != workspace.pk for i in items):
        raise ActionError(_("Items of several workspaces cannot be escalated together."))
    managers = Membership.objects.filter(workspace=workspace, role__in=[Role.OWNER, Role.MANAGER])
    if to is None:
        first = managers.order_by("role", "created_at").select_related("user").first()
        to = first.user if first else None
    elif not managers.filter(user=to).exists():
        raise ActionError(_("Escalate to a manager or an owner of this workspace."))
    with transaction.atomic(durable=True):
        for item in items:
            item.status, item.escalated_to = ReviewItem.Status.ESCALATED, to
            item.save(update_fields=["status", "escalated_to"])
            record(
                workspace,
                actor,
                AuditVerb.MODERATION_ESCALATE,
                item.message,
                {"review_item": item.pk, "to": to.email if to else None, "note": note[:500]},
            )
    if to is not None:
        from django.core.mail import send_mail

        recipient = to
        with translation.override(to.language or workspace.language or None):
            subject = ngettext(
                "[%(workspace)s] A message was escalated to you",
                "[%(workspace)s] %(count)s messages were escalated to you",
                len(items),
            ) % {"workspace": workspace.name, "count": len(items)}
        transaction.on_commit(lambda: send_mail(subject, note or "", None, [recipient.email], fail_silently=True))
    return len(items)

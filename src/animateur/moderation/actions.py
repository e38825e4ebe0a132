"""Every write of moderation: permission, one transaction, an audit event per decision."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit_many, message_data
from animateur.core.models import Membership, User, Workspace
from animateur.core.roles import Role
from animateur.moderation import matching, sources, webhooks
from animateur.moderation.conditions import ConditionError, clean_condition
from animateur.moderation.learning import teach
from animateur.moderation.models import (
    Flag,
    ModerationSettings,
    ReviewItem,
    Rule,
    RuleHit,
    Sanction,
    WatchedWord,
    WordAction,
    new_token,
)
from animateur.moderation.prefs import (
    MAX_TRUSTED_LINK_HOSTS,
    TRUST_LEVELS,
    clean_link_hosts,
    scoring_text,
    settings_for,
    trusted_link_hosts,
)
from animateur.moderation.reviews import enqueue
from animateur.moderation.rules import RESTRICTIVE, clean_actions
from animateur.moderation.starter_words import STARTER_ACTIONS, STARTER_LISTS
from animateur.moderation.trust import trust_level
from animateur.stream.actions import apply_visibility, messages_of_one_workspace, permissions_to_change
from animateur.stream.items import Reason
from animateur.stream.models import Member, Message, Visibility

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


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# ------------------------------------------------------------------ watched words


def do_add_watched_word(
    workspace: Workspace, pattern: str, action: str, value: str = "", *, actor: Actor
) -> WatchedWord:
    require(actor, workspace, "moderation.rules.edit")
    if action not in WordAction.values:
        raise ActionError(f"unknown action {action!r}: use one of {', '.join(WordAction.values)}")
    try:
        pattern = matching.validate_pattern(pattern)
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    value = (value or "").strip()
    if action in (WordAction.LABEL, WordAction.REPLACE) and not value and action == WordAction.LABEL:
        raise ActionError(_("the label action needs a label"))
    if matching.fold(pattern) in _watched_folds(workspace, action):
        raise ActionError(_("« %(pattern)s » is already watched with this action") % {"pattern": pattern})
    with transaction.atomic():
        word = _create_word(workspace, pattern, action, value, actor)
        _bump_words(workspace)
    return word


def do_add_starter_list(workspace: Workspace, key: str, action: str, *, actor: Actor) -> tuple[int, int]:
    """Watch the words of a ready-made list with ``action``: (added, already watched with it)."""
    require(actor, workspace, "moderation.rules.edit")
    starter = STARTER_LISTS.get(key)
    if starter is None:
        raise ActionError(f"unknown list {key!r}: use one of {', '.join(STARTER_LISTS)}")
    if action not in STARTER_ACTIONS:
        raise ActionError(f"a list is added with one of {', '.join(STARTER_ACTIONS)}, not {action!r}")
    watched = _watched_folds(workspace, action)
    new = []
    for pattern in starter.patterns:
        folded = matching.fold(pattern)
        if folded not in watched:
            watched.add(folded)
            new.append(pattern)
    with transaction.atomic():
        WatchedWord.objects.bulk_create(
            WatchedWord(workspace=workspace, pattern=pattern, action=action, created_by=_user(actor)) for pattern in new
        )
        if new:
            _bump_words(workspace)
        # One change, one audit event: the list and the words it brought.
        record(
            workspace,
            actor,
            AuditVerb.MODERATION_WORD_ADD,
            settings_for(workspace),
            {"list": key, "action": action, "patterns": new, "already_watched": len(starter.patterns) - len(new)},
        )
    return len(new), len(starter.patterns) - len(new)


def _watched_folds(workspace: Workspace, action: str) -> set[str]:
    """The workspace's words watched with ``action`` as matching sees them: « DÉBILE » is « debile »."""
    patterns = WatchedWord.objects.filter(workspace=workspace, action=action).values_list("pattern", flat=True)
    return {matching.fold(pattern) for pattern in patterns}


def _create_word(workspace: Workspace, pattern: str, action: str, value: str, actor: Actor) -> WatchedWord:
    word = WatchedWord.objects.create(
        workspace=workspace, pattern=pattern, action=action, value=value[:200], created_by=_user(actor)
    )
    record(
        workspace, actor, AuditVerb.MODERATION_WORD_ADD, word, {"pattern": pattern, "action": action, "value": value}
    )
    return word


def do_remove_watched_word(word: WatchedWord, *, actor: Actor) -> None:
    workspace = word.workspace
    require(actor, workspace, "moderation.rules.edit")
    with transaction.atomic():
        record(
            workspace, actor, AuditVerb.MODERATION_WORD_REMOVE, word, {"pattern": word.pattern, "action": word.action}
        )
        word.delete()
        _bump_words(workspace)


def _bump_words(workspace: Workspace) -> None:
    settings_for(workspace)
    ModerationSettings.objects.filter(workspace=workspace).update(words_version=new_token())


# ------------------------------------------------------------------ rules


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ActionError("a rule needs a name")
    match = data.get("match") or "all"
    if match not in Rule.Match.values:
        raise ActionError("match must be all or any")
    try:
        conditions = [clean_condition(c) for c in data.get("conditions") or []]
    except ConditionError as exc:
        raise ActionError(str(exc)) from None
    if not conditions:
        raise ActionError(_("a rule needs at least one condition"))
    try:
        actions = clean_actions(data.get("actions") or [])
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    try:
        position = int(data.get("position") or 100)
    except (TypeError, ValueError):
        raise ActionError("the order must be a whole number") from None
    if position > MAX_POSITION:  # past the column's range: the database would refuse it with a 500
        raise ActionError(_("the order must be at most %(max)d") % {"max": MAX_POSITION})
    return {
        "name": name[:200],
        "match": match,
        "conditions": conditions,
        "actions": actions,
        "position": max(0, position),
        "enabled": bool(data.get("enabled", True)),
    }


def do_save_rule(workspace: Workspace, data: dict[str, Any], rule: Rule | None = None, *, actor: Actor) -> Rule:
    """Create a rule, or change one of this workspace's."""
    require(actor, workspace, "moderation.rules.edit")
    if rule is not None and rule.workspace_id != workspace.pk:
        raise ActionError("no such rule")
    fields = clean_rule(data)
    _check_saved_replies(workspace, fields["actions"])
    calls = any(a["type"] == "webhook" for a in fields["actions"])
    secret = ""
    with transaction.atomic():
        if rule is None:
            rule = Rule(workspace=workspace, created_by=_user(actor))
            verb = AuditVerb.MODERATION_RULE_CREATE
        else:
            verb = AuditVerb.MODERATION_RULE_UPDATE
        for key, value in fields.items():
            setattr(rule, key, value)
        if calls and not rule.webhook_secret:
            secret = rule.webhook_secret = webhooks.new_secret()
        rule.updated_at = timezone.now()
        rule.save()
        record(workspace, actor, verb, rule, {**fields, "new_webhook_secret": bool(secret)})
    # Given back once, for the moderator to copy: only its encrypted form is kept.
    rule.revealed_secret = secret
    return rule


def do_renew_webhook_secret(rule: Rule, *, actor: Actor) -> str:
    """A new secret for the rule's webhook calls, returned once; the old one stops signing at once."""
    require(actor, rule.workspace, "moderation.rules.edit")
    secret = webhooks.new_secret()
    with transaction.atomic():
        rule.webhook_secret = secret
        rule.save(update_fields=["webhook_secret"])
        record(rule.workspace, actor, AuditVerb.MODERATION_RULE_WEBHOOK_SECRET, rule, {})
    return secret


def _check_saved_replies(workspace: Workspace, actions: list[dict[str, Any]]) -> None:
    from animateur.inbox.models import SavedReply

    for action in actions:
        value = action.get("value", "")
        if (
            action["type"] == "reply"
            and value.isdecimal()
            and not SavedReply.objects.filter(workspace=workspace, pk=int(value)).exists()
        ):
            raise ActionError(_("there is no saved reply number %(number)s") % {"number": value})


def do_delete_rule(rule: Rule, *, actor: Actor) -> None:
    require(actor, rule.workspace, "moderation.rules.edit")
    with transaction.atomic():
        record(rule.workspace, actor, AuditVerb.MODERATION_RULE_DELETE, rule, {"name": rule.name})
        rule.delete()


# ------------------------------------------------------------------ decisions


def do_moderate_messages(messages: Iterable[Message], decision: str, *, actor: Actor) -> int:
    """Approve, reject (hide), delete or mark as spam messages of one workspace; returns how many.

    Resolves their review items and flags, records when a rule's action is reversed,
    hides or deletes at the source where the channel can, and teaches the workspace's
    scoring (spam / not spam, hidden / restored).
    """
    if decision not in DECISIONS:
        raise ActionError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)}")
    workspace, rows = messages_of_one_workspace(messages, DECISIONS[decision])
    if workspace is None:
        return 0
    for permission in {"moderation.review"} | permissions_to_change(rows):
        require(actor, workspace, permission)
    with transaction.atomic():
        _moderate(workspace, rows, decision, actor)
    return len(rows)


def _moderate(workspace: Workspace, rows: list[Message], decision: str, actor: Actor, *, audit: bool = True) -> None:
    """A decision on messages already checked, in the caller's transaction: their visibility,
    review items, flags, rules reversed, lessons, the source and the `message.moderated` events.
    Records one audit event per message unless the caller's own event names them (`audit=False`)."""
    previous = {m.pk: m.visibility for m in rows}
    now = timezone.now()
    apply_visibility(workspace, rows, DECISIONS[decision])
    items = {i.message_id: i for i in ReviewItem.objects.filter(message__in=rows)}
    ReviewItem.objects.filter(message__in=rows).update(
        status=ITEM_STATUS[decision], resolved_at=now, resolved_by=_user(actor)
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
            hit.reversed_at, hit.reversed_by = now, _user(actor)
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
    return do_moderate_messages([i.message for i in items], decision, actor=actor)


def do_escalate(items: Iterable[ReviewItem], *, to: User | None = None, note: str = "", actor: Actor) -> int:
    """Hand items to a manager: they stay in the queue, marked and assigned to them."""
    items = list(items)
    if not items:
        return 0
    workspace = items[0].workspace
    require(actor, workspace, "moderation.escalate")
    if any(i.workspace_id != workspace.pk for i in items):
        raise ActionError("items of several workspaces cannot be escalated together")
    managers = Membership.objects.filter(workspace=workspace, role__in=[Role.OWNER, Role.MANAGER])
    if to is None:
        first = managers.order_by("role", "created_at").select_related("user").first()
        to = first.user if first else None
    elif not managers.filter(user=to).exists():
        raise ActionError("escalate to a manager or an owner of this workspace")
    with transaction.atomic():
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

        transaction.on_commit(
            lambda: send_mail(f"[{workspace.name}] escalated", note or "", None, [to.email], fail_silently=True)
        )
    return len(items)


# ------------------------------------------------------------------ flags


MAX_POSITION = 2**31 - 1  # a rule's order is a PositiveIntegerField
FLAG_TRUST_WEIGHT = {"new": 0.2, "basic": 0.5, "member": 0.8, "regular": 1.0, "leader": 1.5}


def flag_weight(workspace: Workspace, member: Member | None) -> float:
    """A teammate's flag weighs 1; a member's, by trust and by how often their flags were upheld."""
    if member is None:
        return 1.0
    level = trust_level(workspace.pk, member.pk)
    past = Flag.objects.filter(workspace=workspace, by_member=member).exclude(outcome="")
    decided = past.count()
    upheld = past.filter(outcome=Flag.Outcome.UPHELD).count()
    return round(FLAG_TRUST_WEIGHT[level] * 2 * (upheld + 1) / (decided + 2), 3)


def do_flag_message(message: Message, reason: str = "", *, actor: Actor, by_member: Member | None = None) -> Flag:
    """A teammate (actor) or a member of the community (by_member, actor = SystemActor) flags a message."""
    workspace = message.workspace
    if by_member is None:
        require(actor, workspace, "stream.read")
    elif by_member.workspace_id != workspace.pk:
        raise ActionError("no such member")
    user = _user(actor)
    duplicate = Flag.objects.filter(message=message, outcome="")
    if (user and duplicate.filter(by_user=user).exists()) or (
        by_member and duplicate.filter(by_member=by_member).exists()
    ):
        raise ActionError("you already flagged this message")
    weight = flag_weight(workspace, by_member)
    prefs = settings_for(workspace)
    with transaction.atomic():
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


# ------------------------------------------------------------------ sanctions


def do_sanction_member(member: Member, kind: str, reason: str, days: int | None = None, *, actor: Actor) -> Sanction:
    workspace = member.workspace
    require(actor, workspace, "moderation.sanction")
    if kind not in Sanction.Kind.values:
        raise ActionError(f"unknown sanction {kind!r}: use warn, mute or ban")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("a sanction needs a reason")
    if days is not None and days <= 0:
        raise ActionError("the duration is a positive number of days (or empty: until lifted)")
    now = timezone.now()
    with transaction.atomic():
        sanction = Sanction.objects.create(
            workspace=workspace,
            member=member,
            kind=kind,
            reason=reason[:500],
            starts_at=now,
            ends_at=now + timedelta(days=days) if days else None,
            created_by=_user(actor),
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
            _moderate(workspace, rows, "reject", actor, audit=False)
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
        raise ActionError("this sanction was already lifted")
    with transaction.atomic():
        sanction.lifted_at, sanction.lifted_by, sanction.lift_reason = (
            timezone.now(),
            _user(actor),
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


# ------------------------------------------------------------------ settings


def do_update_moderation_settings(
    workspace: Workspace,
    *,
    trust_thresholds: dict[str, dict[str, int]] | None = None,
    site_hold_below: str | None = None,
    spam_trusted_from: str | None = None,
    trusted_link_hosts: list[str] | None = None,
    score_thresholds: dict[str, float] | None = None,
    flag_hold_weight: float | None = None,
    actor: Actor,
) -> ModerationSettings:
    require(actor, workspace, "moderation.rules.edit")
    row = settings_for(workspace)
    changes: dict[str, Any] = {}
    if trust_thresholds is not None:
        for level, values in trust_thresholds.items():
            if level not in TRUST_LEVELS[1:] or any(int(v) < 0 for v in values.values()):
                raise ActionError(f"invalid thresholds for {level!r}")
        changes["trust_thresholds"] = trust_thresholds
    if site_hold_below is not None:
        if site_hold_below not in TRUST_LEVELS:
            raise ActionError(f"unknown trust level {site_hold_below!r}")
        changes["site_hold_below"] = site_hold_below
    if spam_trusted_from is not None:
        if spam_trusted_from not in TRUST_LEVELS:
            raise ActionError(f"unknown trust level {spam_trusted_from!r}")
        changes["spam_trusted_from"] = spam_trusted_from
    if trusted_link_hosts is not None:
        try:
            hosts = clean_link_hosts(trusted_link_hosts)
        except ValueError as exc:
            raise ActionError(f"not a site's host name: {exc}") from None
        if len(hosts) > MAX_TRUSTED_LINK_HOSTS:
            raise ActionError(f"at most {MAX_TRUSTED_LINK_HOSTS} trusted sites")
        changes["trusted_link_hosts"] = hosts
    if score_thresholds is not None:
        if any(not 0 <= float(v) <= 1 for v in score_thresholds.values()):
            raise ActionError("score thresholds are between 0 and 1")
        changes["score_thresholds"] = score_thresholds
    if flag_hold_weight is not None:
        if flag_hold_weight <= 0:
            raise ActionError("the flag weight that holds a message must be positive")
        changes["flag_hold_weight"] = flag_hold_weight
    with transaction.atomic():
        for key, value in changes.items():
            setattr(row, key, value)
        row.save()
        record(workspace, actor, AuditVerb.MODERATION_SETTINGS, row, changes)
    return row

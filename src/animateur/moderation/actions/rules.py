"""Rules: made, changed, deleted; the secret that signs their webhook calls."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace
from animateur.moderation import webhooks
from animateur.moderation.actions.shared import user_of
from animateur.moderation.conditions import ConditionError, clean_condition
from animateur.moderation.models import (
    Rule,
)
from animateur.moderation.rules import clean_actions

MAX_POSITION = 2**31 - 1  # a rule's order is a PositiveIntegerField


def clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ActionError(_("A rule needs a name."))
    match = data.get("match") or "all"
    if match not in Rule.Match.values:
        raise ActionError(_("A rule matches all or any of its conditions."))
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
        raise ActionError(_("The order must be a whole number.")) from None
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
        raise ActionError(_("No such rule."))
    fields = clean_rule(data)
    _check_saved_replies(workspace, fields["actions"])
    calls = any(a["type"] == "webhook" for a in fields["actions"])
    secret = ""
    with transaction.atomic(durable=True):
        if rule is None:
            rule = Rule(workspace=workspace, created_by=user_of(actor))
            verb = AuditVerb.MODERATION_RULE_CREATE
        else:
            verb = AuditVerb.MODERATION_RULE_UPDATE
        for key, value in fields.items():
            setattr(rule, key, value)
        if calls and not rule.webhook_secret:
            secret = rule.webhook_secret = webhooks.new_secret()
        rule.updated_at = timezone.now()
        rule.save()
        webhooks.rule_changed(rule)
        record(workspace, actor, verb, rule, {**fields, "new_webhook_secret": bool(secret)})
    # Given back once, for the moderator to copy: only its encrypted form is kept.
    rule.revealed_secret = secret
    return rule


def do_renew_webhook_secret(rule: Rule, *, actor: Actor) -> str:
    """A new secret for the rule's webhook calls, returned once; the old one stops signing at once."""
    require(actor, rule.workspace, "moderation.rules.edit")
    secret = webhooks.new_secret()
    with transaction.atomic(durable=True):
        rule.webhook_secret = secret
        rule.save(update_fields=["webhook_secret"])
        webhooks.rule_changed(rule)
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
    with transaction.atomic(durable=True):
        record(rule.workspace, actor, AuditVerb.MODERATION_RULE_DELETE, rule, {"name": rule.name})
        webhooks.rule_changed(rule, deleted=True)
        rule.delete()

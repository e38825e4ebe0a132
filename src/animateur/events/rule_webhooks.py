"""A moderation rule's « call a webhook » is a subscription of the workspace's webhooks.

The rule keeps its addresses (in its actions) and its secret; each address is one subscription
to `moderation.rule_matched` for that rule alone, kept in step by `sync_rule` in the rule's own
transaction (moderation names it in its actions: it sits below the events app and does not
import it). Deliveries, retries, their log, replay, the pause after repeated failures and the
alert to the managers are then the webhooks' own.
"""

from __future__ import annotations

from typing import Any

from animateur.events.models import Subscription

EVENT = "moderation.rule_matched"


def managed_by(rule_id: int) -> str:
    return f"moderation.rule:{rule_id}"


def rule_addresses(actions: list[dict[str, Any]]) -> list[str]:
    """The addresses a rule calls, in order, once each."""
    found: list[str] = []
    for action in actions:
        url = str(action.get("value") or "").strip()
        if action.get("type") == "webhook" and url and url not in found:
            found.append(url)
    return found


def sync_rule(rule: Any, *, deleted: bool = False) -> None:
    """Make the rule's subscriptions match its addresses, name and secret (none once it is deleted)."""
    mine = Subscription.objects.filter(workspace_id=rule.workspace_id, managed_by=managed_by(rule.pk))
    wanted = [] if deleted else rule_addresses(rule.actions)
    mine.exclude(url__in=wanted).delete()
    existing = {s.url: s for s in mine}
    for url in wanted:
        subscription = existing.get(url) or Subscription(
            workspace_id=rule.workspace_id,
            url=url,
            events=[EVENT],
            managed_by=managed_by(rule.pk),
            only_when={"rule.id": rule.pk},
            created_by=rule.created_by,
        )
        subscription.name = rule.name[:100]
        subscription.secret = rule.webhook_secret
        subscription.save()


def rule_of(subscription: Subscription) -> int | None:
    """The rule a subscription belongs to, if it is a rule's."""
    prefix = managed_by(0)[:-1]
    if subscription.managed_by.startswith(prefix) and subscription.managed_by[len(prefix) :].isdecimal():
        return int(subscription.managed_by[len(prefix) :])
    return None

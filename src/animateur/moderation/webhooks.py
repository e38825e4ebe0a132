"""Rules' webhooks: the address checked on save, the secret, and what the rule's event says.

A rule's « call a webhook » is one use of the workspace's webhooks (the events app): each address
is a subscription to `moderation.rule_matched` for that rule alone, signed with the rule's secret.
When the rule matches a message, once its batch is committed, moderation emits that event; the
webhooks deliver it, retry it, log each attempt, replay it on demand and pause an address that
keeps failing, telling the managers.

Receivers check `X-Animateur-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the
rule's secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from animateur.channels import signed_post
from animateur.core.events import message_data
from animateur.core.links import absolute_url
from animateur.moderation.models import Rule
from animateur.stream.models import Message

EVENT = "moderation.rule_matched"
# Called in the rule's transaction when its addresses, name or secret change, and when it is
# deleted: they keep its webhook subscriptions in step. Named, not imported: the events app that
# delivers webhooks sits above moderation.
ON_RULE_CHANGE = ("animateur.events.rule_webhooks.sync_rule",)


@cache
def _rule_change_hooks() -> tuple[Callable[..., None], ...]:
    return tuple(import_string(path) for path in ON_RULE_CHANGE)


def rule_changed(rule: Rule, *, deleted: bool = False) -> None:
    for hook in _rule_change_hooks():
        hook(rule, deleted=deleted)


def check_url(url: str) -> str:
    """An address a rule's webhook may call (checked as every webhook's: signed_post.check_url);
    its refusal is a ValueError naming the problem, as the rule's other values raise."""
    try:
        return signed_post.check_url(url)
    except signed_post.AddressError as error:
        raise ValueError(str(error)) from None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def rule_matched_data(rule: Rule, message: Message) -> dict[str, Any]:
    """What a receiver needs to act without calling back: the rule, the message and why it matched."""
    scores = message.scores or {}
    return {
        "rule": {"id": rule.pk, "name": rule.name},
        "message": message_data(message),
        "review_url": absolute_url(message.workspace, "moderation:message", (message.pk,)),
        "reasons": [{k: r.get(k) for k in ("source", "detail", "score", "action")} for r in scores.get("reasons", [])],
        "scores": {
            "spam": scores.get("spam"),
            "toxicity": scores.get("toxicity"),
            "trust": scores.get("trust"),
            "sentiment": message.sentiment or None,
        },
    }

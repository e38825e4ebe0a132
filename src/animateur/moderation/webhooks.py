"""Rules' webhooks: the address checked on save, the signed JSON call, its retries and their record.

A matching rule creates one `WebhookDelivery` per message once the batch is committed; a task
makes each attempt, never inside a database transaction. Timeouts, network failures, 429 and 5xx
are retried with growing delays; any other answer than 2xx is final. Every attempt's outcome is
kept on the delivery, which the rule's page lists.

Receivers check `X-Animateur-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with the
rule's secret.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels import signed_post
from animateur.core.links import absolute_url
from animateur.moderation.models import Rule, WebhookDelivery
from animateur.stream.models import Message

# Delay before attempt 2, 3, 4, 5; the fifth failure is final.
BACKOFF_SECONDS = (30, 120, 600, 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
# A claimed attempt that has not finished after this long is taken as lost (the worker died).
LEASE_SECONDS = int(signed_post.TIMEOUT_SECONDS * 3)
EXCERPT_CHARS = 500


def check_url(url: str) -> str:
    """An address a rule's webhook may call (checked as every webhook's: signed_post.check_url);
    its refusal is a ValueError naming the problem, as the rule's other values raise."""
    try:
        return signed_post.check_url(url)
    except signed_post.AddressError as error:
        raise ValueError(str(error)) from None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def payload(rule: Rule, message: Message) -> dict[str, Any]:
    """What a receiver needs to act without calling back: the rule, the message and why it matched."""
    author = message.author
    scores = message.scores or {}
    return {
        "event": "moderation.rule_matched",
        "workspace": message.workspace.slug,
        "rule": {"id": rule.pk, "name": rule.name},
        "message": {
            "id": message.pk,
            "url": message.url,
            "review_url": absolute_url(message.workspace, "moderation:message", (message.pk,)),
            "excerpt": message.text[:EXCERPT_CHARS],
            "kind": message.kind,
            "visibility": message.visibility,
            "language": message.language,
            "created_at": message.created_at,
        },
        "channel": {"id": message.channel_id, "kind": message.channel.kind, "name": message.channel.name},
        "author": {
            "name": message.author_name,
            "handle": author.handle if author else "",
            "member": author.member_id if author else None,
        },
        "reasons": [{k: r.get(k) for k in ("source", "detail", "score", "action")} for r in scores.get("reasons", [])],
        "scores": {
            "spam": scores.get("spam"),
            "toxicity": scores.get("toxicity"),
            "trust": scores.get("trust"),
            "sentiment": message.sentiment or None,
        },
    }


def create_deliveries(message: Message, calls: list[tuple[int, str]]) -> list[WebhookDelivery]:
    """One delivery per (rule, address) that matched `message`; the body is fixed here."""
    rules = {r.pk: r for r in Rule.objects.filter(pk__in=[rule_id for rule_id, _url in calls])}
    now = timezone.now()
    deliveries = []
    for rule_id, url in calls:
        rule = rules.get(rule_id)
        if rule is None:  # deleted between the match and now
            continue
        body = json.dumps(payload(rule, message), cls=DjangoJSONEncoder, ensure_ascii=False)
        deliveries.append(
            WebhookDelivery(
                workspace_id=message.workspace_id,
                rule=rule,
                message=message,
                url=url,
                body=body,
                next_attempt_at=now,
            )
        )
    return WebhookDelivery.objects.bulk_create(deliveries)


def claim(delivery_id: int, attempt: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Take attempt number `attempt` of a pending delivery, or None if someone else took it (or it is done)."""
    now = now or timezone.now()
    taken = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, attempts=attempt - 1
    ).update(attempts=attempt, last_attempt_at=now, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("rule").get(pk=delivery_id)


def send(delivery: WebhookDelivery) -> tuple[int | None, str, bool]:
    """One POST, outside any transaction: (HTTP status, error, retryable)."""
    headers = {"X-Animateur-Delivery": str(delivery.pk), "X-Animateur-Event": "moderation.rule_matched"}
    # A rule saved before webhooks were signed has no secret until it is renewed: its calls go unsigned.
    outcome = signed_post.post_json(delivery.url, delivery.body.encode(), headers, delivery.rule.webhook_secret)
    return outcome.status, outcome.error, outcome.retryable


def attempt(delivery_id: int, number: int) -> WebhookDelivery | None:
    """Make attempt `number`; returns the delivery as left (pending with its next time, delivered or failed)."""
    delivery = claim(delivery_id, number)
    if delivery is None:
        return None
    status, error, retryable = send(delivery)
    now = timezone.now()
    fields: dict[str, Any] = {"last_status_code": status, "last_error": error[:500], "last_attempt_at": now}
    if not error:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif retryable and number < MAX_ATTEMPTS:
        fields.update(next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS[number - 1]))
    else:
        fields.update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)
    # Conditional on our attempt: a late answer never overwrites a newer attempt's outcome.
    WebhookDelivery.objects.filter(pk=delivery.pk, attempts=number).update(**fields)
    delivery.refresh_from_db()
    return delivery


def overdue(now: datetime | None = None, grace_seconds: int = 60, limit: int = 200) -> list[tuple[int, int]]:
    """(delivery, next attempt number) of pending deliveries whose retry never ran (a lost task, a dead worker)."""
    now = now or timezone.now()
    rows = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace_seconds)
    ).order_by("next_attempt_at")[:limit]
    due = []
    for pk, attempts in rows.values_list("pk", "attempts"):
        if attempts >= MAX_ATTEMPTS:  # the last attempt's worker died: that was the last chance
            WebhookDelivery.objects.filter(pk=pk, attempts=attempts, status=WebhookDelivery.Status.PENDING).update(
                status=WebhookDelivery.Status.FAILED,
                next_attempt_at=None,
                last_error=_("the last attempt never finished"),
            )
            continue
        due.append((pk, attempts + 1))
    return due

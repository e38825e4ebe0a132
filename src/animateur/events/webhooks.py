"""Webhook deliveries of domain events: made on commit, sent by tasks, retried, paused, replayed.

`deliver_events` is an EVENT_SINK (settings): for each committed event, one `Delivery` per active
subscription of its workspace that chose its type, then a task makes each attempt outside any
transaction. Timeouts, network errors, 429 and 5xx are retried after 30 s, 2 min, 10 min and 1 h;
any other answer is final. After PAUSE_AFTER consecutive deliveries that failed for good, the
subscription is paused and the workspace's owners and managers are told by email.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from animateur.channels.signed_post import TIMEOUT_SECONDS, post_json
from animateur.core.actions import SystemActor, record
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import Event
from animateur.core.links import absolute_url
from animateur.core.models import Membership, User, Workspace
from animateur.core.permissions import roles_for
from animateur.events.models import Delivery, Subscription

log = logging.getLogger(__name__)
WEBHOOKS = SystemActor("webhooks")
# Delay before attempt 2, 3, 4, 5; the fifth failure is final.
BACKOFF_SECONDS = (30, 120, 600, 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
LEASE_SECONDS = int(TIMEOUT_SECONDS * 3)
PAUSE_AFTER = 5


def listens(workspace_id: int, name: str) -> bool:
    """Whether an active subscription of the workspace receives `name` (one indexed query)."""
    chosen = Subscription.objects.filter(workspace_id=workspace_id, active=True).values_list("events", flat=True)
    return any(name in events for events in chosen)


def deliver_events(events: list[Event]) -> None:
    """The sink: record the deliveries of committed events, then start their first attempts."""
    by_workspace: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_workspace[event.workspace_id].append(event)
    created: list[Delivery] = []
    for workspace_id, group in by_workspace.items():
        subscriptions = list(Subscription.objects.filter(workspace_id=workspace_id, active=True))
        if not subscriptions:
            continue
        now = timezone.now()
        rows = [
            Delivery(
                workspace_id=workspace_id,
                subscription=subscription,
                event_id=event.id,
                event_type=event.type.name,
                url=subscription.url,
                body=json.dumps(event.envelope(), cls=DjangoJSONEncoder, ensure_ascii=False),
                next_attempt_at=now,
            )
            for event in group
            for subscription in subscriptions
            if subscription.wants(event.type.name, event.data)
        ]
        created += Delivery.objects.bulk_create(rows)
    start(created)


def start(deliveries: list[Delivery]) -> None:
    from animateur.events.tasks import deliver_webhook

    for delivery in deliveries:
        deliver_webhook(delivery.pk, 1)


def claim(delivery_id: int, number: int, now: datetime | None = None) -> Delivery | None:
    """Take attempt `number` of a pending delivery, or None if someone else took it (or it is done)."""
    now = now or timezone.now()
    taken = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING, attempts=number - 1).update(
        attempts=number, last_attempt_at=now, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
    )
    if not taken:
        return None
    return Delivery.objects.select_related("subscription", "subscription__workspace").get(pk=delivery_id)


def attempt(delivery_id: int, number: int) -> Delivery | None:
    """Make attempt `number`; returns the delivery as left (pending with its next time, delivered or failed)."""
    delivery = claim(delivery_id, number)
    if delivery is None:
        return None
    subscription = delivery.subscription
    headers = {
        "X-Animateur-Delivery": str(delivery.pk),
        "X-Animateur-Event": delivery.event_type,
        "X-Animateur-Event-Id": delivery.event_id,
    }
    outcome = post_json(delivery.url, delivery.body.encode(), headers, subscription.secret)
    now = timezone.now()
    fields: dict[str, Any] = {
        "last_status_code": outcome.status,
        "last_error": outcome.error[:500],
        "last_response": outcome.response,
        "last_attempt_at": now,
    }
    if outcome.delivered:
        fields.update(status=Delivery.Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif outcome.retryable and number < MAX_ATTEMPTS:
        fields.update(next_attempt_at=now + timedelta(seconds=BACKOFF_SECONDS[number - 1]))
    else:
        fields.update(status=Delivery.Status.FAILED, next_attempt_at=None)
    # Conditional on our attempt: a late answer never overwrites a newer attempt's outcome.
    Delivery.objects.filter(pk=delivery.pk, attempts=number).update(**fields)
    if outcome.delivered:
        Subscription.objects.filter(pk=subscription.pk).exclude(consecutive_failures=0).update(consecutive_failures=0)
    elif fields.get("status") == Delivery.Status.FAILED:
        _failed_for_good(subscription)
    delivery.refresh_from_db()
    return delivery


def _failed_for_good(subscription: Subscription) -> None:
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        paused = Subscription.objects.filter(
            pk=subscription.pk, active=True, consecutive_failures__gte=PAUSE_AFTER
        ).update(active=False, paused_reason=Subscription.PausedReason.FAILURES)
        if paused:
            record(
                subscription.workspace,
                WEBHOOKS,
                AuditVerb.WEBHOOK_PAUSE,
                subscription,
                {"reason": Subscription.PausedReason.FAILURES, "failures": PAUSE_AFTER},
            )
    if paused:
        transaction.on_commit(lambda: _tell_managers(subscription))


def _readers(workspace: Workspace) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            workspace=workspace, role__in=roles_for("webhooks.view"), user__is_active=True
        ).select_related("user")
    ]


def _tell_managers(subscription: Subscription) -> None:
    workspace = subscription.workspace
    link = absolute_url(workspace, "events:subscription", (subscription.pk,))
    for user in _readers(workspace):
        with translation.override(user.language or workspace.language or settings.LANGUAGE_CODE):
            subject = _("Webhook « %(name)s » paused") % {"name": subscription.name}
            body = _(
                "The webhook « %(name)s » (%(url)s) failed %(count)d deliveries in a row: animateur "
                "stopped sending it events. Its deliveries, with the receiver's answers, and the "
                "button to resume it are on its page:\n%(link)s"
            ) % {"name": subscription.name, "url": subscription.url, "count": PAUSE_AFTER, "link": link}
        try:
            send_mail(subject, body, None, [user.email])
        except Exception:  # an unreachable mail server must not undo the pause
            log.exception("could not tell %s that webhook %s was paused", user.pk, subscription.pk)


def overdue(now: datetime | None = None, grace_seconds: int = 60, limit: int = 200) -> list[tuple[int, int]]:
    """(delivery, next attempt number) of pending deliveries whose retry never ran (a lost task, a dead worker)."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace_seconds)
    ).order_by("next_attempt_at")[:limit]
    due = []
    for pk, attempts in rows.values_list("pk", "attempts"):
        if attempts >= MAX_ATTEMPTS:
            Delivery.objects.filter(pk=pk, attempts=attempts, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.FAILED, next_attempt_at=None, last_error=_("the last attempt never finished")
            )
            continue
        due.append((pk, attempts + 1))
    return due

"""Background work of moderation: rules' webhooks and actions at the messages' sources.

Both talk to other servers, so both run here, after the decision is committed, never inside a
database transaction; both retry with growing delays while the other side is down.
"""

from __future__ import annotations

from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.moderation import sources, webhooks
from animateur.moderation.models import WebhookDelivery


@db_task()
def deliver_webhook(delivery_id: int, attempt: int = 1) -> None:
    language = WebhookDelivery.objects.filter(pk=delivery_id).values_list("workspace__language", flat=True).first()
    with translation.override(language or None):
        delivery = webhooks.attempt(delivery_id, attempt)
    if delivery is not None and delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at:
        deliver_webhook.schedule((delivery_id, attempt + 1), eta=delivery.next_attempt_at)


@db_periodic_task(crontab(minute="*"))
def retry_lost_webhooks() -> None:
    """Retries whose task was lost (a worker stopped, a queue emptied): the claim keeps them single."""
    for delivery_id, attempt in webhooks.overdue():
        deliver_webhook(delivery_id, attempt)


@db_task()
def act_at_source_task(message_id: int, what: str, attempt: int = 1, requested_by: str = "") -> None:
    retry = sources.perform(message_id, what, attempt, requested_by)
    if retry is not None:
        act_at_source_task.schedule((message_id, what, attempt + 1, requested_by), delay=retry)


@db_task()
def auto_reply_task(message_id: int, text: str, rule_id: int | None) -> None:
    sources.auto_reply(message_id, text, rule_id)

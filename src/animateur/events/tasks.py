"""Background work of webhooks: each delivery attempt, and a sweep for attempts whose task was lost."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.events import webhooks


@db_task()
def deliver_webhook(delivery_id: int, attempt: int = 1) -> None:
    delivery = webhooks.attempt(delivery_id, attempt)
    if delivery is not None and delivery.status == delivery.Status.PENDING and delivery.next_attempt_at:
        deliver_webhook.schedule((delivery_id, attempt + 1), eta=delivery.next_attempt_at)


@db_periodic_task(crontab(minute="*/5"))
def retry_lost_webhook_deliveries() -> None:
    for delivery_id, attempt in webhooks.overdue():
        deliver_webhook(delivery_id, attempt)

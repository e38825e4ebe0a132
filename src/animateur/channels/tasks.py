"""The worker's side of channels: every minute, enqueue the channels that are due; poll each one.

A channel is claimed (its next_poll_at pushed ahead) when it is enqueued, so a slow queue never
gets it twice; the lease in `poll_channel` makes sure two workers never fetch it at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from animateur.channels import runner
from animateur.channels.models import Channel

CLAIM_SECONDS = 600


def claim_due_channels(limit: int = 200) -> list[int]:
    now = timezone.now()
    due = (
        Channel.objects.filter(paused=False, needs_reconnection=False)
        .exclude(kind=Channel.SITE)
        .exclude(poll_interval_seconds=0)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .order_by("next_poll_at")
        .values_list("pk", "next_poll_at")[:limit]
    )
    claimed = []
    for pk, previous in due:
        # Conditional on the value we read: of two schedulers, only one claims the channel.
        if Channel.objects.filter(pk=pk, next_poll_at=previous).update(
            next_poll_at=now + timedelta(seconds=CLAIM_SECONDS)
        ):
            claimed.append(pk)
    return claimed


@db_periodic_task(crontab(minute="*"))
def enqueue_due_channels() -> None:
    for pk in claim_due_channels():
        poll_channel_task(pk)


@db_task()
def poll_channel_task(channel_id: int) -> None:
    runner.poll_channel(channel_id)


@db_periodic_task(crontab(minute="17", hour="6"))
def check_channel_tokens() -> None:
    """Daily: OAuth tokens refreshed before they expire, managers told of those that cannot be."""
    from animateur.channels.token_watch import check_tokens

    check_tokens()


@db_task()
def process_meta_notification_task(notification_id: int) -> None:
    """A notification of Meta's webhooks, kept as received: read it (channels/meta_webhook.py)."""
    from animateur.channels.meta_webhook import process

    process(notification_id)


@db_periodic_task(crontab(minute="*"))
def process_pending_meta_notifications() -> None:
    """Every minute: the notifications to read again after a failure that may pass, or never queued."""
    from animateur.channels.meta_webhook import process_pending

    process_pending()

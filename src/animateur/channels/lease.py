"""One fetch of a channel at a time, across threads, processes and machines.

A lease is a token and an expiry on the channel's row, taken by one conditional UPDATE
(`... WHERE lease_until IS NULL OR lease_until < now`): the database lets exactly one taker win,
on SQLite as on PostgreSQL. A worker killed while holding it loses it when it expires.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from animateur.channels.models import Channel
from animateur.config.env import env_int


def lease_seconds() -> int:
    return env_int("ANIMATEUR_CHANNEL_LEASE_SECONDS", 600)


def acquire(channel_id: int, seconds: int | None = None) -> str | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = (
        Channel.objects.filter(pk=channel_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=seconds or lease_seconds()), lease_token=token)
    )
    return token if taken else None


def renew(channel_id: int, token: str, seconds: int | None = None) -> bool:
    until = timezone.now() + timedelta(seconds=seconds or lease_seconds())
    return bool(Channel.objects.filter(pk=channel_id, lease_token=token).update(lease_until=until))


def release(channel_id: int, token: str) -> None:
    Channel.objects.filter(pk=channel_id, lease_token=token).update(lease_until=None, lease_token="")

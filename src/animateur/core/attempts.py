"""Attempts counted in a window that every process shares: failed logins, a visitor's comments.

The counters live in the database (AttemptCounter), which every web process shares in the
embedded mode (SQLite) and the scaled one (PostgreSQL) alike, and which a restart keeps. A
counter's window opens at its first attempt and lasts `window_seconds`; the next attempt after
it starts a new window.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from animateur.core.models import AttemptCounter


def count_attempt(key: str, window_seconds: int) -> None:
    """One more attempt under `key`."""
    now = timezone.now()
    opens_until = now + timedelta(seconds=window_seconds)
    with transaction.atomic():
        live = AttemptCounter.objects.filter(key=key, expires_at__gt=now)
        if live.update(count=F("count") + 1):
            return
        if AttemptCounter.objects.filter(key=key, expires_at__lte=now).update(count=1, expires_at=opens_until):
            return
        try:
            with transaction.atomic():
                AttemptCounter.objects.create(key=key, count=1, expires_at=opens_until)
        except IntegrityError:  # another process created it meanwhile: count on it
            AttemptCounter.objects.filter(key=key).update(count=F("count") + 1)
            return
        # A new key is the moment to drop the windows that closed for keys seen no more.
        AttemptCounter.objects.filter(expires_at__lte=now).delete()


def attempts(keys: Iterable[str]) -> dict[str, int]:
    """The attempts counted under each key in its open window (0 when none)."""
    wanted = list(keys)
    found = dict(
        AttemptCounter.objects.filter(key__in=wanted, expires_at__gt=timezone.now()).values_list("key", "count")
    )
    return {key: found.get(key, 0) for key in wanted}


def forget_attempts(key: str) -> None:
    AttemptCounter.objects.filter(key=key).delete()

"""Webhook subscriptions to domain events, and every delivery with its request and answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.crypto import EncryptedTextField
from animateur.core.models import Workspace


class Subscription(models.Model):
    """An address that receives the chosen events of one workspace, signed with its own secret."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=1000)
    events = models.JSONField(default=list, help_text="the event types it receives")
    # Shown once to the owner who made it; only its encrypted form is stored.
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    # Why it stopped receiving: paused by an owner, or by animateur after repeated failures.
    paused_reason = models.CharField(max_length=20, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Made for another app's use, e.g. "moderation.rule:12" for a rule's « call a webhook »: that app
    # sets its address, events and secret; here it can be paused, resumed, tested and replayed.
    managed_by = models.CharField(max_length=100, blank=True, default="")
    # Only the events whose data holds these values, by dotted path: {"rule.id": 12}.
    only_when = models.JSONField(default=dict, blank=True)

    class PausedReason(models.TextChoices):
        BY_OWNER = "owner", _("paused by an owner")
        FAILURES = "failures", _("paused after repeated failures")

    class Meta:
        indexes = [models.Index(fields=["workspace", "active"])]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str, data: dict[str, Any]) -> bool:
        """Whether this subscription receives an event of `event_type` with `data`."""
        return event_type in self.events and all(
            _at(data, path) == value for path, value in (self.only_when or {}).items()
        )


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


class Delivery(models.Model):
    """One event sent (or to be sent) to one subscription: the request as sent, every attempt's outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=60)
    url = models.URLField(max_length=1000)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_response = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["subscription", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to subscription {self.subscription_id} ({self.status})"

"""Publications: a text the team writes once and sends to chosen channels, each send a target with its
own state and idempotency key, so that a send is never made twice."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class TargetState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    # The intent is committed and the network may have the status: a retry reuses the same key.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Published")
    FAILED = "failed", _("Failed")


def new_key() -> str:
    return uuid.uuid4().hex


class Publication(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="publications")
    text = models.TextField()
    state = models.CharField(max_length=16, choices=PublicationState.choices, default=PublicationState.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "scheduled_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class PublicationTarget(models.Model):
    """One channel a publication goes to. The idempotency key is made with the row, before any send,
    and never changes: every attempt sends it (Mastodon's Idempotency-Key header)."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="publication_targets")
    state = models.CharField(max_length=16, choices=TargetState.choices, default=TargetState.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_key)
    attempts = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=255, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    message = models.ForeignKey("stream.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "channel"], name="one_target_per_channel")]

    def __str__(self) -> str:
        return f"{self.publication_id} → {self.channel_id}"

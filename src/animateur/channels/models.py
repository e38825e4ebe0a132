"""A channel: one place the community speaks (our site, a feed, an account, a mailbox)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from animateur.core.crypto import EncryptedTextField
from animateur.core.models import Workspace


class Channel(models.Model):
    SITE = "site"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    config = models.JSONField(default=dict, blank=True)
    credentials = EncryptedTextField(blank=True, default="")
    cursor = models.JSONField(default=dict, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=300)
    paused = models.BooleanField(default=False)
    needs_reconnection = models.BooleanField(default=False)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "kind"])]

    def __str__(self) -> str:
        return self.name

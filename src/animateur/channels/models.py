"""A channel: one place the community speaks (our site, a feed, an account, a mailbox)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
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
    # Health beyond the basics: the cause code of the last error and the last run's figures.
    last_error_cause = models.CharField(max_length=40, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_items = models.PositiveIntegerField(default=0)
    alerted_at = models.DateTimeField(null=True, blank=True)
    # The lease: one fetch of a channel at a time, across processes and machines (see channels/lease.py).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=40, blank=True)
    # When each source read by the channel (a hashtag, a search, a subreddit...) was set, if after the
    # channel was connected: {config field: {"value": ..., "added_at": ISO time}}. What such a source
    # brings from before it was added is history, as for the channel's own past (see runner.py).
    source_times = models.JSONField(default=dict, blank=True)
    # When Meta's webhooks last told of something for this channel (an Instagram mention, a Page's comment).
    last_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def status(self) -> str:
        if self.paused:
            return "paused"
        if self.needs_reconnection:
            return "needs_reconnection"
        if self.consecutive_failures:
            return "failing"
        if self.last_success_at is None:
            return "new"
        return "ok"


class ChannelRun(models.Model):
    """One poll of a channel: what it brought and how it ended, for the health page."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    cause = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.started_at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.cause}"


class RejectedItem(models.Model):
    """An item a channel gave that could not be taken in: kept with its reason and payload for inspection."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="rejected_items")
    external_id = models.CharField(max_length=255, blank=True)
    reason = models.TextField()
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.reason[:60]}"


class OAuthApp(models.Model):
    """The application a workspace's owner registered with a network (Meta, LinkedIn, Google), through
    which its channels connect « in one click »: its client id, and its secret encrypted at rest."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="oauth_apps")
    network = models.CharField(max_length=20)  # facebook (Facebook Pages and Instagram), linkedin, google
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "network"], name="one_oauth_app_per_network")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.network}"


class MetaNotification(models.Model):
    """A notification Meta's webhooks sent for the workspace's app (an Instagram mention, a Page's new
    comment), kept as received, its signature checked, before anything reads it: answered at once, read
    by a task, never lost. The same body received again (Meta retries) is the same row."""

    PENDING, DONE, FAILED = "pending", "done", "failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="meta_notifications")
    app_id = models.CharField(max_length=200)
    digest = models.CharField(max_length=64)  # SHA-256 of the body: a retry's body is the same
    body = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)  # read again then, after a failure that may pass
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "digest"], name="one_meta_notification_per_body")]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.received_at:%Y-%m-%d %H:%M} {self.state}"

"""Tracked links: a short address on the workspace's own domain (/l/<code>) that redirects to its
target and counts the clicks, in total and per day."""

from __future__ import annotations

from django.db import models

from animateur.channels.models import Channel
from animateur.core.models import Workspace

CODE_LENGTH = 8
MAX_URL = 2000


class TrackedLink(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tracked_links")
    code = models.CharField(max_length=CODE_LENGTH, unique=True)
    target = models.URLField(max_length=MAX_URL)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    clicks = models.PositiveIntegerField(default=0)
    last_clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="links_ws_created")]

    def __str__(self) -> str:
        return f"/l/{self.code} → {self.target}"


class LinkClickDay(models.Model):
    """The clicks of one link on one day (UTC)."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="links_click_day_unique")]

    def __str__(self) -> str:
        return f"{self.day}: {self.count}"

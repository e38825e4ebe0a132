"""Saved searches over the stream, the messages each one matched, spikes and crisis rooms."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.core.models import Workspace


class SearchRole(models.TextChoices):
    # Share of voice compares the organisation's searches with its competitors'.
    OWN = "own", _("The organisation")
    COMPETITOR = "competitor", _("A competitor")
    TOPIC = "topic", _("A topic")


class SavedSearch(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=120)
    query = models.TextField()
    role = models.CharField(max_length=12, choices=SearchRole.choices, default=SearchRole.OWN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Matching the history: how far it got (messages read of how many), and when it ended.
    history_total = models.PositiveIntegerField(default=0)
    history_read = models.PositiveIntegerField(default=0)
    history_done_at = models.DateTimeField(null=True, blank=True)
    match_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_search_name_per_workspace")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def history_percent(self) -> int:
        if self.history_done_at is not None or not self.history_total:
            return 100 if self.history_done_at is not None else 0
        return min(99, self.history_read * 100 // self.history_total)


class SearchMatch(models.Model):
    """A message a saved search matched; `created_at` is the message's, for curves without a join."""

    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches", db_index=False)
    message = models.ForeignKey("stream.Message", on_delete=models.CASCADE, related_name="search_matches")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["search", "message"], name="one_match_per_message")]
        indexes = [models.Index(fields=["search", "created_at"])]

    def __str__(self) -> str:
        return f"{self.search_id} matched {self.message_id}"


class SpikeState(models.TextChoices):
    NEW = "new", pgettext_lazy("spike state", "New")
    SEEN = "seen", pgettext_lazy("spike state", "Seen")
    CRISIS = "crisis", pgettext_lazy("spike state", "Crisis")


class Spike(models.Model):
    """A period in which a search matched far more than its own baseline said, and what grew."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="spikes", db_index=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    expected = models.FloatField()
    # {"terms": [[word, count, baseline]], "authors": [...], "links": [...], "channels": [...]}
    explanation = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=SpikeState.choices, default=SpikeState.NEW)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Found again by a later run, a spike is the same row: alerts never repeat.
        constraints = [models.UniqueConstraint(fields=["search", "starts_at"], name="one_spike_per_period")]
        indexes = [models.Index(fields=["workspace", "-found_at"]), models.Index(fields=["search", "-starts_at"])]

    def __str__(self) -> str:
        return f"{self.search} {self.starts_at:%Y-%m-%d %H:%M}"


class Crisis(models.Model):
    """A spike the team works as a crisis: its messages by priority, a timeline and a log."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", db_index=False)
    spike = models.OneToOneField(Spike, on_delete=models.CASCADE, related_name="crisis")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-opened_at"])]

    def __str__(self) -> str:
        return f"crisis of {self.spike}"


class CrisisNote(models.Model):
    """One entry of the team's log of what was done."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

"""Objectives: what the community is for, each measured by one KPI against a target over a rolling period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from animateur.core.models import Workspace


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Objective(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="objectives")
    name = models.CharField(max_length=200)
    kpi = models.CharField(max_length=60, help_text="a key of reports.kpis.KPIS")
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    target = models.FloatField(help_text="in the KPI's unit: a count, seconds, or a share from 0 to 1")
    period_days = models.PositiveSmallIntegerField(default=30)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_objective_per_name")]

    def __str__(self) -> str:
        return self.name


class DayFigures(models.Model):
    """One closed day of a workspace, counted once, so that a year's report reads 365 rows and not
    every message. Today is always counted live. A stored message, edited or new, of a past day
    deletes that day's row (reports/rollup.py), which is counted again when next read."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    inbound = models.PositiveIntegerField(default=0)
    sentiments = models.JSONField(default=dict, help_text="sentiment → messages")
    site_comments = models.PositiveIntegerField(default=0)
    members = models.JSONField(default=list, help_text="ids of the members who wrote that day")
    responses = models.JSONField(
        default=list, help_text="first responses recorded that day: [seconds, business seconds, in hours, on time]"
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="one_figures_row_per_day")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.day}"

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
    # The scope: an empty list does not narrow; channels, searches and segments narrow together.
    channels = models.ManyToManyField("channels.Channel", blank=True, related_name="+")
    searches = models.ManyToManyField("listening.SavedSearch", blank=True, related_name="+")
    segments = models.ManyToManyField("members.Segment", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_objective_per_name")]

    def __str__(self) -> str:
        return self.name


class CountedFigures(models.Model):
    """What a closed span of days counted, kept so that a year's report reads a few rows and not
    every message. Who wrote and the first responses are kept compact (reports/counts.py): a bitmap
    and arrays of seconds."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    inbound = models.PositiveIntegerField(default=0)
    sentiments = models.JSONField(default=dict, help_text="sentiment → messages")
    site_comments = models.PositiveIntegerField(default=0)
    member_base = models.BigIntegerField(default=0, help_text="the member id of the bitmap's first bit")
    members = models.BinaryField(default=b"", help_text="who wrote: bit i is the member member_base + i")
    responses = models.BinaryField(
        default=b"",
        help_text="first responses: three counts, then float64 seconds (reports.counts.Responses)",
    )
    judged = models.PositiveIntegerField(default=0, help_text="first responses that had a target")
    on_time = models.PositiveIntegerField(default=0, help_text="of those, answered before it")
    channels = models.JSONField(
        default=dict, help_text="the same counts for each channel, by channel id (objectives' scope)"
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class DayFigures(CountedFigures):
    """One closed day of a workspace, counted once. Today is always counted live. A stored message,
    edited or new, of a past day deletes that day's row (reports/rollup.py), which is counted again
    when next read."""

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "day"], name="one_figures_row_per_day")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.day}"


class MonthFigures(CountedFigures):
    """One closed calendar month, added up from its days' rows: a year's report reads twelve of
    these and the days at its ends. Deleted with any of its days' rows."""

    month = models.DateField(help_text="its first day")
    by_day = models.JSONField(default=list, help_text="the messages of each of its days, in order")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "month"], name="one_figures_row_per_month")]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.month:%Y-%m}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("every week")
    MONTHLY = "monthly", _("every month")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReportSchedule(models.Model):
    """The default report, emailed as a PDF every week on a weekday or every month on a day, in the
    workspace's language, to team members (while they still belong to the workspace) and addresses."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="report_schedules")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=0, help_text="for a weekly schedule")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="1 to 28; for a monthly schedule")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    addresses = models.JSONField(default=list, help_text="email addresses outside the team")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.workspace_id} {self.frequency}"


class ReportSending(models.Model):
    """One sending of a schedule for one occurrence (the day it was due), written before any email
    leaves: a second run, or one after a process was killed mid-way, finds it and sends nothing."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="sendings")
    occurrence = models.DateField(help_text="the day the report was due, in the workspace's time zone")
    period_start = models.DateField()
    period_end = models.DateField(help_text="the last day the report covers")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="empty if the sending was interrupted")
    sent_to = models.JSONField(default=list)
    failed = models.JSONField(default=list, help_text="[address, reason] of each recipient not reached")

    class Meta:
        ordering = ["-occurrence", "-pk"]
        constraints = [models.UniqueConstraint(fields=["schedule", "occurrence"], name="one_sending_per_occurrence")]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.occurrence}"


def _logo_path(branding: ReportBranding, filename: str) -> str:
    return f"reports/logos/{branding.workspace_id}/{filename}"


class ReportBranding(models.Model):
    """A workspace's look in its reports (PDF and shared page): a logo and an accent colour."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="report_branding")
    logo = models.FileField(upload_to=_logo_path, blank=True, max_length=300)
    logo_type = models.CharField(max_length=20, blank=True, help_text="image/png or image/jpeg")
    accent = models.CharField(max_length=7, blank=True, help_text="#RRGGBB")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.workspace_id} branding"


class SavedReport(models.Model):
    """A report of the workspace's own: a name and the KPI tiles it shows (in the registry's order)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_reports")
    name = models.CharField(max_length=100)
    kpis = models.JSONField(default=list, help_text="keys of reports.kpis.KPIS")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_saved_report_per_name")]

    def __str__(self) -> str:
        return self.name

"""Background work of the reports: the scheduled reports, sent once each when due."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from animateur.core.actions import SystemActor
from animateur.reports.actions import do_send_report_schedule
from animateur.reports.models import ReportSchedule
from animateur.reports.schedules import due_occurrence

log = logging.getLogger(__name__)
SCHEDULER = SystemActor("reports")


def send_due_reports(now: datetime | None = None) -> int:
    """Send every schedule due now; a schedule that fails is logged and the others still leave."""
    now = now or timezone.now()
    sent = 0
    for schedule in ReportSchedule.objects.select_related("workspace").order_by("pk"):
        try:
            occurrence = due_occurrence(schedule, now)
            if occurrence is not None and do_send_report_schedule(schedule, occurrence, actor=SCHEDULER):
                sent += 1
        except Exception:
            log.exception("could not send the scheduled report %s", schedule.pk)
    return sent


@db_periodic_task(crontab(minute="5"))
def send_scheduled_reports() -> int:
    return send_due_reports()

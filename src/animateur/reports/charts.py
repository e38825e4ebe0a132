"""The report's chart for the page, in the shape inbox/static/inbox/charts.js draws with Chart.js."""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from animateur.reports.report import Report


def volume_chart(report: Report) -> dict[str, Any]:
    days = report.volume_by_day
    counts = [count for _day, count in days]
    return {
        "labels": [date_format(day, "SHORT_DATE_FORMAT") for day, _count in days],
        "titles": [date_format(day, "DATE_FORMAT") for day, _count in days],
        "counts": ["" for _day in days],
        "xTitle": _("Day"),
        "yTitle": _("Messages received"),
        "unit": "",
        "series": [
            {
                "key": "volume",
                "label": _("Messages received"),
                "values": counts,
                "texts": [ngettext("%(n)d message", "%(n)d messages", n) % {"n": n} for n in counts],
            }
        ],
        "empty": not any(counts),
        "emptyText": _("No message in this period."),
    }

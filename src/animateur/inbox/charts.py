"""What the response-time chart draws, as data for static/inbox/charts.js (Chart.js reads it).

Pages pass it in a <script type="application/json"> block: no inline script, so a
Content-Security-Policy that forbids them leaves the chart working.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from animateur.inbox import stats
from animateur.inbox.templatetags.inbox_tags import duration

HOUR = 3600.0


def _weeks_between(first: str, last: str) -> list[str]:
    """Every ISO week key from first to last: a week nobody answered in is a gap on the axis, not skipped."""
    keys: list[str] = []
    monday = stats.week_start(first)
    end = stats.week_start(last)
    while monday <= end and len(keys) < 200:
        year, week, _day = monday.isocalendar()
        keys.append(f"{year}-W{week:02d}")
        monday += timedelta(days=7)
    return keys


def response_time_chart(report: dict[str, Any]) -> dict[str, Any]:
    """Median and 90th percentile of the first response per week, in minutes or hours as the figures need."""
    by_week = dict(report["by_week"])
    keys = _weeks_between(stats.week_of(report["since"].isoformat()), stats.week_of(timezone.now().isoformat()))
    peak = max([f.p90 or 0 for f in by_week.values()] + [0])
    in_hours = peak >= 2 * HOUR
    scale, unit = (HOUR, _("hours")) if in_hours else (60.0, _("minutes"))

    def series(attribute: str, name: str) -> dict[str, Any]:
        values: list[float | None] = []
        texts: list[str] = []
        for key in keys:
            seconds = getattr(by_week[key], attribute) if key in by_week else None
            values.append(None if seconds is None else round(seconds / scale, 1))
            texts.append(_("%(series)s: %(duration)s") % {"series": name, "duration": duration(seconds) or "—"})
        return {"key": attribute, "label": name, "values": values, "texts": texts}

    business = report["measure"] == "business_seconds"
    return {
        "labels": [stats.short_week_label(k) for k in keys],
        "titles": [stats.week_label(k) for k in keys],
        "counts": [
            ngettext("%(n)d conversation answered", "%(n)d conversations answered", n) % {"n": n}
            for n in (by_week[k].count if k in by_week else 0 for k in keys)
        ],
        "xTitle": _("Week (starting on Monday)"),
        "yTitle": (_("First response, in business %(unit)s") if business else _("First response, in calendar %(unit)s"))
        % {"unit": unit},
        "unit": _("h") if in_hours else _("min"),
        "series": [series("median", _("Median")), series("p90", _("90th percentile"))],
        "empty": not by_week,
        "emptyText": _("No answered conversation in this period."),
    }

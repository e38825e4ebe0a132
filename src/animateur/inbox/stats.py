"""Response-time figures, from the first responses (inbox.models.FirstResponse: frozen when the clock stopped)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from animateur.core.models import User, Workspace
from animateur.inbox.models import FirstResponse


@dataclass
class Figures:
    count: int = 0
    median: float | None = None
    average: float | None = None
    p90: float | None = None
    within_target: float | None = None  # share, 0..1, of those that had a target
    values: list[float] = field(default_factory=list, repr=False)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil
    return ordered[int(rank) - 1]


def figures(events: list[dict[str, Any]], measure: str = "business_seconds") -> Figures:
    values = [float(e[measure]) for e in events if e.get(measure) is not None]
    targeted = [e["within_target"] for e in events if e.get("within_target") is not None]
    if not values:
        return Figures()
    return Figures(
        count=len(values),
        median=statistics.median(values),
        average=statistics.fmean(values),
        p90=percentile(values, 90),
        within_target=(sum(targeted) / len(targeted)) if targeted else None,
        values=values,
    )


def events(workspace: Workspace, since: datetime, until: datetime | None = None) -> list[dict[str, Any]]:
    qs = FirstResponse.objects.filter(workspace=workspace, recorded_at__gte=since)
    if until is not None:
        qs = qs.filter(recorded_at__lt=until)
    out = []
    for data, recorded_at in qs.values_list("data", "recorded_at"):
        out.append({**data, "recorded_at": recorded_at})
    return out


def week_of(value: str) -> str:
    """The ISO week a clock started in, « 2026-W50 »: a key that sorts, for files; pages show week_label."""
    moment = datetime.fromisoformat(value)
    year, week, _day = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(key: str) -> date:
    """The Monday of an ISO week key (« 2026-W50 »)."""
    year, week = key.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def week_label(key: str) -> str:
    """« semaine du 7 déc. 2026 »: a week as a person names it, in the reader's language."""
    monday = week_start(key)
    return _("week of %(date)s") % {"date": date_format(monday, pgettext("date of a week's Monday", "N j, Y"))}


def short_week_label(key: str) -> str:
    """« 7 déc. »: the same week under a chart's bar, where the year is in the axis title."""
    return date_format(week_start(key), pgettext("short date of a week's Monday", "N j"))


def report(workspace: Workspace, weeks: int = 12, measure: str = "business_seconds") -> dict[str, Any]:
    since = timezone.now() - timedelta(weeks=weeks)
    rows = events(workspace, since)
    by_channel: dict[str, list] = defaultdict(list)
    by_user: dict[Any, list] = defaultdict(list)
    by_week: dict[str, list] = defaultdict(list)
    in_hours: list[dict[str, Any]] = []
    out_hours: list[dict[str, Any]] = []
    for e in rows:
        by_channel[e.get("channel") or "?"].append(e)
        by_user[e.get("user")].append(e)
        by_week[week_of(e["started_at"])].append(e)
        (in_hours if e.get("in_hours") else out_hours).append(e)
    names = {u.pk: u.name for u in User.objects.filter(pk__in=[k for k in by_user if k])}
    return {
        "since": since,
        "weeks": weeks,
        "measure": measure,
        "overall": figures(rows, measure),
        "in_hours": figures(in_hours, measure),
        "out_hours": figures(out_hours, measure),
        "by_channel": sorted(((k, figures(v, measure)) for k, v in by_channel.items()), key=lambda kv: kv[0]),
        "by_user": sorted(
            ((names.get(k, "—") if k else "—", figures(v, measure)) for k, v in by_user.items()),
            key=lambda kv: kv[0],
        ),
        "by_week": sorted(((k, figures(v, measure)) for k, v in by_week.items()), key=lambda kv: kv[0]),
    }

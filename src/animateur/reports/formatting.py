"""A KPI's value in words and numbers of the reader's language: 42, 93 %, 1 h 05 min."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from animateur.reports.kpis import Kpi, Unit


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("%(seconds)d s") % {"seconds": round(seconds)}
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(days)s days") % {"days": number_format(hours / 24, 1)}


def value(kpi: Kpi, figure: float | None) -> str:
    if figure is None:
        return "—"
    if kpi.unit == Unit.SHARE:
        return _("%(percent)s %%") % {"percent": number_format(figure * 100, 0)}
    if kpi.unit == Unit.SECONDS:
        return duration(figure)
    return number_format(figure, 0, force_grouping=True)


def change(figure: float | None) -> str:
    if figure is None:
        return ""
    sign = "+" if figure > 0 else "−" if figure < 0 else "±"
    return f"{sign}{number_format(abs(figure) * 100, 0)} %"

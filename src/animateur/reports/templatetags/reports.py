"""{% load reports %}: a KPI's figure in the reader's words (42, 93 %, 1 h 05 min)."""

from __future__ import annotations

from django import template

from animateur.reports import formatting
from animateur.reports.kpis import Kpi

register = template.Library()


@register.filter
def kpi_value(figure: float | None, kpi: Kpi) -> str:
    return formatting.value(kpi, figure)

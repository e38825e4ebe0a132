"""The default report: every KPI by section, for a period compared with the one before, and the volume by day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.db.models.functions import TruncDate

from animateur.core.models import Workspace
from animateur.reports.kpis import KPIS, SECTION_TITLES, Kpi, Section, _inbound
from animateur.reports.periods import Period, _zone
from animateur.stream.models import Message


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """The relative change from the previous period (None when either is unknown or zero before)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous

    @property
    def better(self) -> bool | None:
        if self.value is None or self.previous is None or self.value == self.previous:
            return None
        return (self.value > self.previous) == self.kpi.higher_is_better


@dataclass(frozen=True)
class ReportSection:
    section: Section
    title: str
    tiles: list[Tile]


@dataclass(frozen=True)
class Report:
    workspace: Workspace
    period: Period
    previous: Period
    sections: list[ReportSection]
    volume_by_day: list[tuple[datetime, int]]
    generated_at: datetime


def build(workspace: Workspace, period: Period, *, now: datetime) -> Report:
    previous = period.previous()
    sections = []
    for section in Section:
        tiles = [
            Tile(kpi, kpi.compute(workspace, period), kpi.compute(workspace, previous))
            for kpi in KPIS.values()
            if kpi.section == section
        ]
        sections.append(ReportSection(section, str(SECTION_TITLES[section]), tiles))
    return Report(workspace, period, previous, sections, volume_by_day(workspace, period), now)


def volume_by_day(workspace: Workspace, period: Period) -> list[tuple[datetime, int]]:
    zone = _zone(workspace)
    counts = dict(
        Message.objects.filter(_inbound(workspace, period))
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [(start, counts.get(start.date(), 0)) for start in period.day_starts()]

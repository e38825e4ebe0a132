"""The default report: every KPI by section, for a period compared with the one before, and the volume by day."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from animateur.core.models import Workspace
from animateur.reports.kpis import KPIS, SECTION_TITLES, Kpi, Section
from animateur.reports.periods import Period
from animateur.reports.rollup import one_reading, recent_figures


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
    name: str = ""  # a saved report's; empty for the default one


def build(
    workspace: Workspace, period: Period, *, now: datetime, kpis: Collection[str] | None = None, name: str = ""
) -> Report:
    """Every KPI, or only those of `kpis` (a saved report's); a section left without a tile is left out."""
    previous = period.previous()
    sections = []
    with one_reading():
        for section in Section:
            tiles = [
                Tile(kpi, kpi.compute(workspace, period), kpi.compute(workspace, previous))
                for kpi in KPIS.values()
                if kpi.section == section and (kpis is None or kpi.key in kpis)
            ]
            if tiles or kpis is None:
                sections.append(ReportSection(section, str(SECTION_TITLES[section]), tiles))
        by_day = volume_by_day(workspace, period)
    return Report(workspace, period, previous, sections, by_day, now, name)


def volume_by_day(workspace: Workspace, period: Period) -> list[tuple[datetime, int]]:
    by_day = recent_figures(workspace, period).by_day
    return [(start, by_day.get(start.date(), 0)) for start in period.day_starts()]

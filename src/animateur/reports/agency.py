"""A report across an agency's clients: the same KPIs for each workspace the reader may report on,
side by side, each over the period in its own time zone and compared with the period before.

Counts add up into a total; response times and shares do not (a median of medians is no median),
so their total is left empty rather than made up.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import IO

from animateur.core.decorators import second_factor_missing
from animateur.core.models import User, Workspace
from animateur.core.permissions import has_permission
from animateur.reports import formatting, periods
from animateur.reports.kpis import KPIS, Kpi, Unit
from animateur.reports.report import Tile
from animateur.reports.rollup import one_reading

# What an agency compares its clients on, unless the reader picks others.
DEFAULT_KPIS = (
    "volume",
    "first_response_p50",
    "within_target",
    "share_answered",
    "new_members",
    "active_members",
    "positive_share",
    "posts_published",
    "moderation_actions",
)
MAX_WORKSPACES = 200


@dataclass(frozen=True)
class AgencyRow:
    workspace: Workspace
    tiles: list[Tile]


@dataclass(frozen=True)
class AgencyReport:
    start: date
    end: date
    kpis: list[Kpi]
    rows: list[AgencyRow]
    totals: list[Tile | None]  # None where the KPI does not add up across clients


def reportable_workspaces(user: User) -> list[Workspace]:
    """The workspaces whose reports `user` may read now, by name: not one that requires a second
    factor this session has not given (its own pages would ask for it first)."""
    candidates = Workspace.objects.filter(memberships__user=user).order_by("name", "pk")[:MAX_WORKSPACES]
    return [ws for ws in candidates if has_permission(user, ws, "reports.view") and not second_factor_missing(user, ws)]


def build_agency(
    workspaces: Iterable[Workspace], start: date, end: date, *, kpis: Collection[str] | None = None
) -> AgencyReport:
    chosen = [KPIS[key] for key in (kpis or DEFAULT_KPIS) if key in KPIS]
    rows = []
    with one_reading():
        for workspace in workspaces:
            period = periods.between(workspace, start, end)
            previous = period.previous()
            tiles = [Tile(kpi, kpi.compute(workspace, period), kpi.compute(workspace, previous)) for kpi in chosen]
            rows.append(AgencyRow(workspace, tiles))
    return AgencyReport(start, end, chosen, rows, [_total(kpi, i, rows) for i, kpi in enumerate(chosen)])


def _total(kpi: Kpi, index: int, rows: list[AgencyRow]) -> Tile | None:
    if kpi.unit != Unit.COUNT or not rows:
        return None
    values = [row.tiles[index].value for row in rows]
    previous = [row.tiles[index].previous for row in rows]
    return Tile(
        kpi,
        sum(v for v in values if v is not None),
        None if all(p is None for p in previous) else sum(p for p in previous if p is not None),
    )


CSV_COLUMNS = ("workspace", "slug", "kpi", "unit", "value", "previous", "shown")


def write_csv(report: AgencyReport, out: IO[str]) -> None:
    """One row per client and KPI, raw numbers (seconds, shares between 0 and 1) beside the shown value."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        for tile in row.tiles:
            writer.writerow(
                [
                    row.workspace.name,
                    row.workspace.slug,
                    tile.kpi.key,
                    tile.kpi.unit.value,
                    "" if tile.value is None else tile.value,
                    "" if tile.previous is None else tile.previous,
                    formatting.value(tile.kpi, tile.value),
                ]
            )


@dataclass(frozen=True)
class Cell:
    value: str
    previous: str
    change: str
    better: bool | None


def cell(tile: Tile | None) -> Cell | None:
    """A tile in the reader's words and numbers (see reports.formatting); None stays empty."""
    if tile is None:
        return None
    return Cell(
        formatting.value(tile.kpi, tile.value),
        formatting.value(tile.kpi, tile.previous),
        formatting.change(tile.change),
        tile.better,
    )

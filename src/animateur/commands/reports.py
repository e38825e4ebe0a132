"""`animateur report`: the default report of a period, as PDF or as CSV (one row per conversation)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from animateur.cli import BadInput, _setup_django, _workspace


def add_parsers(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser("report", help="a workspace's report of a period, as PDF or CSV")
    report.add_argument(
        "--workspace",
        required=True,
        action="append",
        metavar="SLUG",
        help="the workspace; repeated, a CSV of every client's indicators side by side (an agency's report)",
    )
    report.add_argument("--from", dest="start", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, metavar="DATE", help="last day, YYYY-MM-DD (included)")
    report.add_argument("--format", choices=("pdf", "csv"), required=True)
    report.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write (- for stdout, CSV only)")
    report.add_argument("--report", metavar="NAME", help="a saved report's name (its indicators only; PDF)")
    report.set_defaults(handler=cmd_report)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {text!r}: a date is written YYYY-MM-DD") from None


def cmd_report(args: argparse.Namespace) -> int:
    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if start > end:
        raise BadInput(f"--from {start} is after --to {end}")
    if args.output == "-" and args.format == "pdf":
        raise BadInput("a PDF is written to a file: give -o FILE")
    target = None if args.output == "-" else Path(args.output)
    if target is not None and not target.parent.is_dir():
        raise BadInput(f"no such directory: {target.parent}")
    _setup_django()
    from django.utils import timezone, translation

    from animateur.reports import exports, periods
    from animateur.reports.models import SavedReport
    from animateur.reports.report import build

    if len(args.workspace) > 1:
        return _agency_csv(args, start, end, target)
    workspace = _workspace(args.workspace[0])
    saved = None
    if args.report:
        saved = SavedReport.objects.filter(workspace=workspace, name=args.report).first()
        if saved is None:
            known = ", ".join(SavedReport.objects.filter(workspace=workspace).values_list("name", flat=True))
            raise BadInput(f"no saved report named {args.report!r} (saved: {known or 'none'})")
    period = periods.between(workspace, start, end)
    with translation.override(workspace.language or "fr"):
        if args.format == "pdf":
            assert target is not None
            kpis, name = (saved.kpis, saved.name) if saved else (None, "")
            target.write_bytes(exports.pdf(build(workspace, period, now=timezone.now(), kpis=kpis, name=name)))
            print(f"report of {start} to {end} written to {target}", file=sys.stderr)
            return 0
        if target is None:
            count = exports.write_csv(workspace, period, sys.stdout)
        else:
            with target.open("w", encoding="utf-8", newline="") as out:
                count = exports.write_csv(workspace, period, out)
    print(f"{count} conversations of {start} to {end} written", file=sys.stderr)
    return 0


def _agency_csv(args: argparse.Namespace, start: date, end: date, target: Path | None) -> int:
    """Several workspaces: one CSV row per client and indicator (reports.agency)."""
    from django.utils import translation

    from animateur.reports import agency

    if args.format != "csv":
        raise BadInput("a report across several workspaces is a CSV: use --format csv")
    if args.report:
        raise BadInput("--report names a saved report of one workspace: give one --workspace")
    workspaces = [_workspace(slug) for slug in dict.fromkeys(args.workspace)]
    built = agency.build_agency(workspaces, start, end)
    with translation.override(workspaces[0].language or "fr"):  # the « shown » column's words
        if target is None:
            agency.write_csv(built, sys.stdout)
        else:
            with target.open("w", encoding="utf-8", newline="") as out:
                agency.write_csv(built, out)
    print(f"{len(built.kpis)} indicators of {len(workspaces)} workspaces, {start} to {end}, written", file=sys.stderr)
    return 0

"""A report leaves as PDF (WeasyPrint) or CSV (one row per conversation of the period, for spreadsheets)."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from animateur.core.models import Workspace
from animateur.inbox.models import Conversation, State
from animateur.reports import formatting, svg
from animateur.reports.branding import LOGO_PREFIX, look
from animateur.reports.periods import Period, _zone
from animateur.reports.report import Report

CSV_COLUMNS = (
    "opened_at",
    "channel",
    "first_response_seconds",
    "first_response_business_seconds",
    "state",
    "assignee",
    "messages",
    "sentiment",
)


def csv_header() -> list[str]:
    return [
        _("Opened at"),
        _("Channel"),
        _("First response (seconds)"),
        _("First response (business seconds)"),
        _("State"),
        _("Assignee"),
        _("Messages"),
        _("Sentiment"),
    ]


SENTIMENTS = {
    "positive": gettext_lazy("Positive"),
    "neutral": gettext_lazy("Neutral"),
    "negative": gettext_lazy("Negative"),
}


def conversation_rows(workspace: Workspace, period: Period) -> Iterator[list[str]]:
    """One row per conversation opened in the period, read in chunks (constant memory)."""
    zone = _zone(workspace)
    conversations = (
        Conversation.objects.filter(workspace=workspace, started_at__gte=period.start, started_at__lt=period.end)
        .select_related("channel", "assignee", "first_response")
        .order_by("started_at", "pk")
    )
    states = dict(State.choices)
    for c in conversations.iterator(chunk_size=2000):
        answered = getattr(c, "first_response", None)  # a reverse one-to-one: absent until answered
        data: dict[str, Any] = answered.data if answered is not None else {}
        yield [
            c.started_at.astimezone(zone).isoformat(timespec="seconds"),
            c.channel.name,
            _number(data.get("seconds")),
            _number(data.get("business_seconds")),
            str(states.get(c.state, c.state)),
            c.assignee.name if c.assignee else "",
            str(c.message_count),
            str(SENTIMENTS[c.sentiment]) if c.sentiment in SENTIMENTS else "",
        ]


def _number(value: Any) -> str:
    return "" if value is None else str(round(float(value)))


def write_csv(workspace: Workspace, period: Period, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(csv_header())
    count = 0
    for row in conversation_rows(workspace, period):
        writer.writerow(row)
        count += 1
    return count


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    # The PDF is made from animateur's own HTML: it never reaches out, even for an image a user wrote.
    # The workspace's logo is inline, a PNG redrawn by reports/branding.py.
    if url.startswith(LOGO_PREFIX):
        from weasyprint.urls import URLFetcherResponse  # type: ignore[import-untyped]

        logo = base64.b64decode(url[len(LOGO_PREFIX) :])
        return URLFetcherResponse(url, body=logo, headers={"Content-Type": "image/png"})
    raise ValueError(f"the report's PDF fetches nothing ({url[:80]})")


def pdf(report: Report) -> bytes:
    from weasyprint import HTML  # a heavy import, paid only by whoever asks for a PDF

    with translation.override(report.workspace.language or "fr"):
        html = render_to_string("reports/report_pdf.html", context_for(report))
    document: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return document


def context_for(report: Report) -> dict[str, Any]:
    """What the report's page and its PDF show: figures already in words of the reader's language."""
    sections = [
        {
            "key": section.section.value,
            "title": section.title,
            "tiles": [
                {
                    "key": tile.kpi.key,
                    "label": str(tile.kpi.label),
                    "definition": str(tile.kpi.definition),
                    "value": formatting.value(tile.kpi, tile.value),
                    "previous": formatting.value(tile.kpi, tile.previous),
                    "change": formatting.change(tile.change),
                    "better": tile.better,
                }
                for tile in section.tiles
            ],
        }
        for section in report.sections
    ]
    chart = svg.bar_chart(report.volume_by_day, y_title=_("Messages received"), x_title=_("Day"))
    last_day = report.period.end.astimezone(report.period.start.tzinfo) - _one_second()
    return {
        "workspace": report.workspace,
        "period_start": report.period.start,
        "period_last_day": last_day,
        "previous_start": report.previous.start,
        "previous_last_day": report.period.start - _one_second(),
        "sections": sections,
        "volume_chart_svg": chart,
        "volume_by_day": [(day.date().isoformat(), count) for day, count in report.volume_by_day],
        "generated_at": report.generated_at,
        "report_name": report.name,
        **look(report.workspace),
    }


def _one_second() -> Any:
    from datetime import timedelta

    return timedelta(seconds=1)

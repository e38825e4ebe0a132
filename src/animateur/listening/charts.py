"""What the listening charts draw, as data for static/listening/charts.js (Chart.js reads it).

Pages carry it in a <script type="application/json"> block: no inline script, so the
Content-Security-Policy stays strict. Every chart has titled axes with their unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from animateur.listening.labels import sentiment_label


def volume_chart(days: list[tuple[date, int]], label: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [date_format(day, "SHORT_DATE_FORMAT") for day, _n in days],
        "xTitle": _("Day"),
        "yTitle": _("Messages matched per day"),
        "unit": "",
        "series": [
            {
                "label": label,
                "values": [n for _day, n in days],
                "texts": [ngettext("%(n)d message", "%(n)d messages", n) % {"n": n} for _day, n in days],
            }
        ],
        "empty": not any(n for _day, n in days),
        "emptyText": _("No message matched yet."),
    }


def sentiment_chart(sentiments: list[tuple[str, int]]) -> dict[str, Any]:
    total = sum(n for _s, n in sentiments) or 1
    order = {"positive": 0, "neutral": 1, "negative": 2, "": 3}
    rows = sorted(sentiments, key=lambda r: order.get(r[0], 4))
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [str(sentiment_label(s)) for s, _n in rows],
        "xTitle": _("Share of the messages matched, in %"),
        "yTitle": _("Sentiment"),
        "unit": "%",
        "series": [
            {
                "label": _("Share"),
                "values": [round(100 * n / total, 1) for _s, n in rows],
                "texts": [ngettext("%(n)d message", "%(n)d messages", n) % {"n": n} for _s, n in rows],
            }
        ],
        "empty": not rows,
        "emptyText": _("No message matched yet."),
    }


def share_of_voice_chart(rows: list[tuple[Any, int, float]]) -> dict[str, Any]:
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [search.name for search, _n, _share in rows],
        "xTitle": _("Share of voice, in % of the messages all searches matched"),
        "yTitle": pgettext("listening", "Search"),
        "unit": "%",
        "series": [
            {
                "label": _("Share of voice"),
                "values": [round(100 * share, 1) for _s, _n, share in rows],
                "texts": [ngettext("%(n)d message", "%(n)d messages", n) % {"n": n} for _s, n, _share in rows],
            }
        ],
        "empty": not any(n for _s, n, _share in rows),
        "emptyText": _("No message matched yet."),
    }

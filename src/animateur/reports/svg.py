"""A bar chart as SVG, with both axes, their ticks and the unit: for the PDF, where no script runs.

The pages draw the same figures with Chart.js (the chart library the app ships); WeasyPrint renders
SVG but runs no JavaScript, so the PDF's chart is drawn here from the same numbers.
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from django.utils.formats import date_format

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 25000, 50000, 100000):
        if top / step <= 5:
            return step
    return max(1, top // 5)


def bar_chart(points: list[tuple[datetime, int]], *, y_title: str, x_title: str) -> str:
    top = max([count for _day, count in points] + [1])
    step = _nice_step(top)
    ceiling = -(-top // step) * step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-label="{escape(y_title)}" font-family="sans-serif" font-size="10">'
    ]
    for tick in range(0, ceiling + 1, step):
        y = TOP + plot_h - plot_h * tick / ceiling
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{tick}</text>')
    n = max(1, len(points))
    slot = plot_w / n
    label_every = max(1, round(n / 8))
    for index, (day, count) in enumerate(points):
        height = plot_h * count / ceiling
        x = LEFT + index * slot
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - height:.1f}" width="{slot * 0.7:.1f}"'
            f' height="{height:.1f}" fill="#2f6f9f"/>'
        )
        if index % label_every == 0:
            label = escape(date_format(day, "SHORT_DATE_FORMAT"))
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{label}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(
        f'<text x="12" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})"'
        f' text-anchor="middle">{escape(y_title)}</text>'
    )
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_title)}</text>')
    parts.append("</svg>")
    return "".join(parts)

"""The response-time page: a chart with axes, units and readable weeks; tables with headers.

Found walking through it: the chart was one solid rectangle (bars as divs, no axis, no value), the
tables by channel and by teammate had no header row, and weeks read « 2026-W50 ».
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from animateur.core.roles import Role
from animateur.inbox.actions.replies import do_mark_answered_elsewhere, do_reply_conversation
from animateur.inbox.models import Conversation
from tests.channels.test_walkthrough_labels import visible_text
from tests.inbox.factories import inbound, other_channel, post_message


def answered_conversations(workspace, manager) -> None:
    post = post_message(workspace)
    for text in ("Bonjour ?", "Une question", "Encore une"):
        conversation = Conversation.objects.get(root=inbound(workspace, text, parent=post))
        do_reply_conversation(conversation, "Voici la réponse.", actor=manager)
    mention = inbound(workspace, "@acme une question", channel=other_channel(workspace), kind="mention")
    do_mark_answered_elsewhere(Conversation.objects.get(root=mention), actor=manager)


def this_monday_in_french() -> str:
    today = timezone.localdate()
    with override("fr"):
        return date_format(today - timedelta(days=today.weekday()), "j N Y")


def test_the_chart_is_drawn_by_the_chart_library_from_a_data_block_with_axes_units_and_weeks(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    answered_conversations(workspace, client.user)
    html = client.get("/app/inbox/response-times/").content.decode()

    # Chart.js from static/vendor (npm, never a CDN) and our static script; no inline script to run.
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/chart.umd.min.js" in sources and "/static/inbox/charts.js" in sources
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"""src="(https?:)?//""", html)

    block = re.search(r'<script id="response-times-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert block and 'data-chart="response-times-chart-data"' in html
    chart = json.loads(block.group(1))
    assert chart["xTitle"] == "Semaine (commençant le lundi)"
    assert chart["yTitle"] == "Première réponse, en minutes ouvrées" and chart["unit"] == "min"
    assert len(chart["labels"]) >= 12  # every week of the period, answered in or not
    assert chart["titles"][-1] == f"semaine du {this_monday_in_french()}"
    median = chart["series"][0]
    assert median["label"] == "Médiane" and median["values"][-1] is not None
    assert median["texts"][-1].startswith("Médiane : ")
    assert chart["counts"][-1] == "4 conversations répondues"


def test_every_table_has_headers_and_weeks_and_channels_read_as_words(workspace, client_as):
    client = client_as(workspace, Role.MANAGER)
    answered_conversations(workspace, client.user)
    html = client.get("/app/inbox/response-times/").content.decode()
    tables = re.findall(r"<table\b.*?</table>", html, re.S)
    assert len(tables) == 4
    for table in tables:
        head = re.search(r"<thead>(.*?)</thead>", table, re.S)
        assert head, table[:200]
        headers = re.findall(r"<th[^>]*>([^<]+)</th>", head.group(1))
        assert headers[1:] == ["Répondues", "Médiane", "Moyenne", "90e centile", "Dans les délais"]
        assert headers[0].strip()
    text = visible_text(html)
    assert f"semaine du {this_monday_in_french()}" in text
    assert not re.search(r"\d{4}-W\d{2}", text)
    by_channel = visible_text(html[html.index('data-table="by-channel"') :])
    assert "Canal Répondues" in by_channel and "site de la communauté 3" in by_channel and "Mastodon 1" in by_channel

"""Counting a click: data ingestion, not a team action (no audit event, no permission).

One atomic increment of the link's total (F()), and one upsert of the day's row that works on SQLite
(3.24 and later) and PostgreSQL alike: INSERT ... ON CONFLICT DO UPDATE SET count = count + 1, one
statement, so that two clicks at once never lose one (bulk_create's update_conflicts can only copy
the new row's value, not add to the old one)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from animateur.links.models import TrackedLink

# Link-preview fetchers and robots, by a part of their User-Agent (compared in lower case). Mastodon
# servers fetch every link of every federated post: counting them would multiply the clicks.
NOT_A_CLICK = (
    "mastodon/",
    "bot",
    "crawler",
    "spider",
    "facebookexternalhit",
    "slackbot",
    "twitterbot",
    "linkedinbot",
    "bluesky cardyb",
    "discordbot",
    "whatsapp",
    "telegrambot",
)


# The table is LinkClickDay's (its db_table, checked by the tests).
UPSERT_DAY = (
    "INSERT INTO links_linkclickday (link_id, day, count) VALUES (%s, %s, 1) "
    "ON CONFLICT (link_id, day) DO UPDATE SET count = links_linkclickday.count + 1"
)


def is_preview_fetcher(user_agent: str) -> bool:
    agent = user_agent.lower()
    return any(part in agent for part in NOT_A_CLICK)


def count_click(link: TrackedLink) -> None:
    now = timezone.now()
    with transaction.atomic():
        TrackedLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1, last_clicked_at=now)
        with connection.cursor() as cursor:
            cursor.execute(UPSERT_DAY, [link.pk, now.date()])

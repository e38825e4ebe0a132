"""A channel's past is kept but is not work: only what was written around or after connecting reaches the inbox."""

import json
from datetime import timedelta
from email.utils import format_datetime

from django.utils import timezone

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.inbox.models import Conversation
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES, shift_to_now

MENTION_ID = "117020577157693549"  # the status of fixtures/mastodon/notifications_mentions.json


def feed(*entries: tuple[str, str, str | None]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example.org/{guid}</link><guid>{guid}</guid>"
        + (f"<pubDate>{published}</pubDate>" if published else "")
        + f"<description>{title}, un article sur Acme.</description></item>"
        for guid, title, published in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>{items}</channel></rss>'


def ago(**delta: float) -> str:
    return format_datetime(timezone.now() - timedelta(**delta))


def test_a_feeds_archive_is_stored_as_history_and_only_what_is_recent_opens_conversations(workspace, replay):
    replay.add(
        "GET",
        "/feed.xml",
        body=feed(
            ("old", "Acme en 2023", ago(days=700)),
            ("week", "Acme la semaine dernière", ago(days=8)),
            ("morning", "Acme ce matin", ago(hours=3)),
            ("undated", "Acme sans date", None),
        ),
    )
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": replay.base + "/feed.xml"}
    )
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 4
    # Everything is kept and searchable...
    assert Message.objects.filter(channel=channel).count() == 4
    # ...but the team works on what was written within a day of connecting, or after.
    opened = Conversation.objects.filter(workspace=workspace).values_list("root__title", flat=True)
    assert sorted(opened) == ["Acme ce matin", "Acme sans date"]


def test_the_margin_before_connecting_is_a_setting(workspace, replay, monkeypatch):
    monkeypatch.setenv("ANIMATEUR_CHANNEL_HISTORY_HOURS", "240")
    replay.add("GET", "/feed.xml", body=feed(("old", "Acme en 2023", ago(days=700)), ("week", "Acme", ago(days=8))))
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": replay.base + "/feed.xml"}
    )
    assert poll_channel(channel.pk).created == 2
    assert list(Conversation.objects.values_list("root__title", flat=True)) == ["Acme"]


def new_mention(status_id: str, text: str) -> str:
    """The recorded notification page, as the next mention would come, written a minute ago."""
    recorded = json.loads((FIXTURES / "mastodon" / "notifications_mentions.json").read_text())
    page = json.loads(recorded["body"])
    page[0]["id"] = "22"
    page[0]["status"]["id"] = status_id
    page[0]["status"]["content"] = f"<p>{text}</p>"
    return shift_to_now(json.dumps(page))


def test_a_mastodon_accounts_old_mentions_are_history_and_a_mention_after_connecting_is_work(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "notifications_mentions")  # written months before we connect
    channel = mastodon_channel(workspace, replay.base)
    assert poll_channel(channel.pk).created == 1
    old = Message.objects.get(channel=channel, external_id=MENTION_ID)
    assert old.created_at < channel.created_at - timedelta(days=30)
    assert not Conversation.objects.filter(workspace=workspace).exists()

    replay.add(
        "GET",
        "/api/v1/notifications",
        body=new_mention("117020599999999999", "@acme votre appli plante"),
        headers={"content-type": "application/json"},
        query="min_id=21",
    )
    replay.add("GET", "/api/v1/notifications", body=[], query="min_id=22")
    assert poll_channel(channel.pk).created == 1
    conversation = Conversation.objects.get(workspace=workspace)
    assert conversation.root.external_id == "117020599999999999"
    assert "votre appli plante" in conversation.preview

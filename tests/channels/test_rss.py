"""Feeds through feedparser, served by a local server: conditional GET, edits, and clear causes."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from animateur.channels.actions import do_update_channel
from animateur.channels.connectors import connector_for
from animateur.channels.errors import PermanentError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.actions import SystemActor
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind, Message

FEED = (Path(__file__).with_name("fixtures") / "rss" / "wordpress-theme-preview.xml").read_text()


def feed_channel(workspace, url):
    return Channel.objects.create(workspace=workspace, kind="rss", name="feed", config={"url": url})


def test_a_feed_is_stored_oldest_first_and_an_unchanged_feed_costs_one_304(workspace, replay):
    replay.add(
        "GET",
        "/feed",
        body=FEED,
        headers={
            "content-type": "application/rss+xml",
            "etag": '"v1"',
            "last-modified": "Thu, 24 Aug 2017 17:46:58 GMT",
        },
    )
    replay.add("GET", "/feed", status=304)
    channel = feed_channel(workspace, replay.base + "/feed")
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3
    messages = Message.objects.filter(channel=channel).order_by("pk")
    assert [m.title for m in messages] == ["More Tags", "Elements", "Worth A Thousand Words"]
    assert messages[0].kind == Kind.MENTION and messages[0].author.display_name == "Theme Admin"
    channel.refresh_from_db()
    assert channel.cursor == {
        "url": replay.base + "/feed",
        "etag": '"v1"',
        "last_modified": "Thu, 24 Aug 2017 17:46:58 GMT",
    }
    second = poll_channel(channel.pk)
    assert second.ok and second.items == 0
    sent = replay.requests("GET", "/feed")[-1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Thu, 24 Aug 2017 17:46:58 GMT"


def test_an_entry_edited_in_the_feed_updates_its_message_and_keeps_the_old_text(workspace, replay):
    replay.add("GET", "/feed", body=FEED)
    replay.add("GET", "/feed", body=FEED.replace("Boat.", "A boat on a lake."))
    channel = feed_channel(workspace, replay.base + "/feed")
    poll_channel(channel.pk)
    run = poll_channel(channel.pk)
    assert run.updated == 1 and run.created == 0
    assert Message.objects.filter(channel=channel).count() == 3


def test_testing_the_connection_names_the_cause(workspace, replay):
    replay.add("GET", "/feed", body=FEED)
    replay.add("GET", "/page", body="<html><body>Hello</body></html>", headers={"content-type": "text/html"})
    replay.add("GET", "/gone", status=404, body="nope")
    assert connector_for(feed_channel(workspace, replay.base + "/feed")).test_connection() == (
        "Flux « Theme Preview » avec 3 entrées"
    )
    with pytest.raises(PermanentError) as not_feed:
        connector_for(feed_channel(workspace, replay.base + "/page")).test_connection()
    assert not_feed.value.cause == "not_a_feed"
    with pytest.raises(PermanentError) as gone:
        connector_for(feed_channel(workspace, replay.base + "/gone")).test_connection()
    assert gone.value.cause == "not_found"
    with pytest.raises(PermanentError) as bad:
        connector_for(feed_channel(workspace, "notaurl")).test_connection()
    assert bad.value.cause == "bad_url"
    with pytest.raises(TransientError) as down:
        connector_for(feed_channel(workspace, "http://127.0.0.1:9/feed")).test_connection()
    assert down.value.cause == "unreachable"


ONE_ENTRY_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Solo</title><link>https://example.org/</link>
<description>d</description><item><title>Only</title><link>https://example.org/only</link><guid>only-1</guid></item>
</channel></rss>"""


def test_the_connection_test_counts_entries_in_the_singular_and_plural_of_each_language(workspace, replay):
    from django.utils import translation

    replay.add("GET", "/one", body=ONE_ENTRY_FEED, headers={"content-type": "application/rss+xml"})
    replay.add("GET", "/three", body=FEED)
    one = connector_for(feed_channel(workspace, replay.base + "/one"))
    three = connector_for(feed_channel(workspace, replay.base + "/three"))
    assert one.test_connection() == "Flux « Solo » avec 1 entrée"
    with translation.override("en"):
        assert one.test_connection() == "Feed “Solo” with 1 entry"
        assert three.test_connection() == "Feed “Theme Preview” with 3 entries"


def test_private_addresses_are_refused_unless_allowed(workspace, replay, settings):
    settings.ALLOW_PRIVATE_URLS = False
    replay.add("GET", "/feed", body=FEED)
    with pytest.raises(PermanentError) as blocked:
        connector_for(feed_channel(workspace, replay.base + "/feed")).test_connection()
    assert blocked.value.cause == "blocked_address"
    assert not replay.received


def test_a_redirect_toward_a_private_address_is_refused(workspace, replay, settings, monkeypatch):
    from animateur.channels import safe_http

    replay.add("GET", "/feed", status=302, headers={"location": "http://10.1.2.3/internal"})
    settings.ALLOW_PRIVATE_URLS = False
    real = safe_http.resolve_public

    def resolve(host, port):  # the first hop (our local server) passes as if it were public
        if host == "127.0.0.1":
            return ["127.0.0.1"]
        return real(host, port)

    monkeypatch.setattr(safe_http, "resolve_public", resolve)
    monkeypatch.setattr(safe_http, "validate_url", lambda url: url)
    with pytest.raises(PermanentError) as blocked:
        connector_for(feed_channel(workspace, replay.base + "/feed")).test_connection()
    assert blocked.value.cause == "blocked_address"


def test_a_response_over_the_size_limit_is_refused(workspace, replay, monkeypatch):
    from animateur.channels import safe_http

    monkeypatch.setattr(safe_http, "MAX_BYTES", 1000)
    replay.add("GET", "/feed", body=FEED)
    with pytest.raises(PermanentError) as big:
        safe_http.fetch(replay.base + "/feed", max_bytes=1000)
    assert big.value.cause == "too_large"


def feed_of(*entries: tuple[str, datetime]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://example.org/{n}</link><guid>news-{n}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for n, (title, when) in enumerate(entries)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>"
    )


def feed_connected_in_2008(workspace, url):
    return Channel.objects.create(
        workspace=workspace,
        kind="rss",
        name="feed",
        config={"url": url},
        created_at=datetime(2008, 1, 1, tzinfo=UTC),  # before the fixture feed's entries
    )


def change_address(channel, url):
    channel.refresh_from_db()
    do_update_channel(
        channel,
        channel.name,
        {"url": url},
        {},
        poll_interval_seconds=channel.poll_interval_seconds,
        actor=SystemActor("tests"),
    )


def test_a_new_feed_address_brings_its_past_as_history_and_its_recent_entries_as_work(workspace, replay):
    replay.add("GET", "/feed", body=FEED, headers={"content-type": "application/rss+xml", "etag": '"v1"'})
    channel = feed_connected_in_2008(workspace, replay.base + "/feed")
    # The first address keeps the channel's own cut: its entries of 2008 came after it was connected.
    assert poll_channel(channel.pk).created == 3
    first = set(Conversation.objects.values_list("pk", flat=True))
    assert first

    change_address(channel, replay.base + "/news")
    now = datetime.now(UTC).replace(microsecond=0)
    # Within the margin (24 hours by default) before the change: still work, as for a new channel.
    news = feed_of(("Acme en panne ?", now - timedelta(hours=2)), ("Archive", now - timedelta(days=3)))
    replay.add("GET", "/news", body=news)
    run = poll_channel(channel.pk)

    assert run.ok and run.created == 2, run.error
    # Both are kept; only the recent one is work in the inbox, the three-day-old one is the new feed's past.
    assert Message.objects.filter(channel=channel, title="Archive").exists()
    opened = Conversation.objects.exclude(pk__in=first)
    assert list(opened.values_list("root__title", flat=True)) == ["Acme en panne ?"]
    # The old feed's validators are not sent to the new one, which would answer 304 to them.
    sent = replay.requests("GET", "/news")[-1].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


def test_a_new_feed_address_follows_the_history_margin_setting(workspace, replay, monkeypatch):
    monkeypatch.setenv("ANIMATEUR_CHANNEL_HISTORY_HOURS", "1")
    channel = feed_connected_in_2008(workspace, "https://example.org/feed")
    change_address(channel, replay.base + "/news")
    now = datetime.now(UTC).replace(microsecond=0)
    news = feed_of(("Récent", now - timedelta(minutes=20)), ("Hier", now - timedelta(hours=2)))
    replay.add("GET", "/news", body=news)
    assert poll_channel(channel.pk).created == 2
    assert list(Conversation.objects.values_list("root__title", flat=True)) == ["Récent"]

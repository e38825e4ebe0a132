"""A source added later to a channel (a hashtag, a subreddit's search...) has its own past: what it brings
from before it was added is history, not work, as a new channel's past is."""

import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from animateur.channels.actions import added_sources, do_update_channel
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.actions import SystemActor
from animateur.inbox.models import Conversation
from animateur.stream.models import Message
from tests.channels.replay import FIXTURES, shift_to_now

ACTOR = SystemActor("tests")
TAG_STATUS = "117020593741189701"  # the status of fixtures/mastodon/tag_timeline.json, written 2026-08-01


def mastodon_connected_in_july(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.add("GET", "/api/v1/notifications", body=[])  # no mentions
    channel = Channel.objects.create(
        workspace=workspace,
        kind="mastodon",
        name="@acme",
        config={"api_base_url": replay.base},
        credentials=json.dumps({"access_token": "test-token"}),
        created_at=datetime(2026, 7, 1, tzinfo=UTC),  # before the hashtag's statuses were written
    )
    assert poll_channel(channel.pk).ok
    channel.refresh_from_db()
    return channel


def follow_hashtag(channel, tag):
    return do_update_channel(
        channel,
        channel.name,
        {**channel.config, "hashtag": tag},
        {},
        poll_interval_seconds=channel.poll_interval_seconds,
        actor=ACTOR,
    )


def newer_tag_status(status_id: str, text: str) -> str:
    recorded = json.loads((FIXTURES / "mastodon" / "tag_timeline.json").read_text())
    page = json.loads(recorded["body"])
    page[0]["id"], page[0]["content"] = status_id, f"<p>{text}</p>"
    return shift_to_now(json.dumps(page))


def test_a_hashtag_added_to_an_existing_channel_brings_its_past_as_history_and_what_follows_as_work(workspace, replay):
    channel = mastodon_connected_in_july(workspace, replay)
    follow_hashtag(channel, "hoot")
    channel.refresh_from_db()
    assert channel.source_times["hashtag"]["value"] == "hoot"

    replay.recorded("mastodon", "tag_timeline")
    run = poll_channel(channel.pk)

    assert run.ok and run.created == 1, run.error
    old = Message.objects.get(channel=channel, external_id=TAG_STATUS)
    # Written after the channel was connected but long before the hashtag was followed: kept, not work.
    assert channel.created_at < old.created_at < timezone.now() - timedelta(days=30)
    assert not Conversation.objects.filter(workspace=workspace).exists()

    replay.add(
        "GET",
        "/api/v1/timelines/tag/hoot",
        body=newer_tag_status("117020599999999998", "#hoot Acme a encore planté"),
        headers={"content-type": "application/json"},
        query=f"min_id={TAG_STATUS}",
    )
    assert poll_channel(channel.pk).created == 1
    conversation = Conversation.objects.get(workspace=workspace)
    assert conversation.root.external_id == "117020599999999998"


def test_mentions_keep_the_channels_own_cut_when_a_hashtag_is_added(workspace, replay):
    """The mentions of a channel connected in July are work from July on, whatever source is added since."""
    channel = mastodon_connected_in_july(workspace, replay)
    follow_hashtag(channel, "hoot")
    replay.routes.clear()
    replay.recorded("mastodon", "notifications_mentions")  # a mention written 2026-08-01: after connecting
    replay.add("GET", "/api/v1/timelines/tag/hoot", body=[])
    assert poll_channel(channel.pk).created == 1
    assert Conversation.objects.get(workspace=workspace).root.external_id == "117020577157693549"


def test_a_changed_source_is_added_again_and_an_emptied_one_forgotten():
    july, now = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    times = added_sources("mastodon", {}, {"hashtag": "hoot", "search": ""}, {}, july)
    assert times == {"hashtag": {"value": "hoot", "added_at": july.isoformat()}}
    same = added_sources("mastodon", {"hashtag": "hoot"}, {"hashtag": "hoot", "search": "acme"}, times, now)
    assert same["hashtag"]["added_at"] == july.isoformat()  # unchanged: keeps its time
    assert same["search"] == {"value": "acme", "added_at": now.isoformat()}
    changed = added_sources("mastodon", {"hashtag": "hoot", "search": "acme"}, {"hashtag": "bird"}, same, now)
    assert changed == {"hashtag": {"value": "bird", "added_at": now.isoformat()}}
    assert added_sources("rss", {}, {"url": "https://example.org/feed"}, {}, now) == {
        "url": {"value": "https://example.org/feed", "added_at": now.isoformat()}
    }
    assert added_sources("discourse", {}, {"base_url": "https://forum.example.org"}, {}, now) == {}  # none


def test_a_bluesky_search_added_later_is_history_while_the_accounts_notifications_stay_work(workspace, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "notifications")
    replay.recorded("bluesky", "notifications_page2", query="cursor=2024-05-01T09%3A06")
    replay.add(
        "GET",
        "/xrpc/app.bsky.notification.listNotifications",
        body={"notifications": []},
        query="cursor=2024-05-01T09%3A00",
    )
    replay.recorded("bluesky", "search")  # a post of 2024-05-01
    channel = Channel.objects.create(
        workspace=workspace,
        kind="bluesky",
        name="@acme",
        config={"service": replay.base, "handle": "acme.bsky.social"},
        credentials=json.dumps({"app_password": "abcd-efgh-ijkl-mnop"}),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),  # before the replayed notifications and posts
    )
    do_update_channel(
        channel,
        channel.name,
        {**channel.config, "search": "acme"},
        {},
        poll_interval_seconds=channel.poll_interval_seconds,
        actor=ACTOR,
    )
    assert poll_channel(channel.pk).ok
    searched = Message.objects.get(channel=channel, text__contains="#acme")
    opened = set(Conversation.objects.filter(workspace=workspace).values_list("root_id", flat=True))
    assert opened and searched.thread_root_id not in opened  # the search's past: kept, not work
    assert Message.objects.filter(channel=channel).exclude(pk=searched.pk).exists()


def test_a_reddit_search_added_to_a_subreddit_channel_brings_its_past_as_history(workspace, replay, monkeypatch):
    from animateur.channels.connectors.reddit import RedditConnector

    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    replay.recorded("reddit", "access_token")
    replay.recorded("reddit", "new")  # posts of 2024-05-01
    replay.recorded("reddit", "comments")
    channel = Channel.objects.create(
        workspace=workspace,
        kind="reddit",
        name="r/acme",
        config={"subreddit": "acme", "client_id": "app-id"},
        credentials=json.dumps({"client_secret": "app-secret"}),
        created_at=datetime(2024, 1, 1, tzinfo=UTC),  # before the replayed posts: the subreddit's are work
    )
    assert poll_channel(channel.pk).created == 4
    opened = Conversation.objects.filter(workspace=workspace).count()
    assert opened >= 1

    channel.refresh_from_db()
    do_update_channel(
        channel,
        channel.name,
        {**channel.config, "search": "crash"},
        {},
        poll_interval_seconds=channel.poll_interval_seconds,
        actor=ACTOR,
    )
    # The search finds another post of the same day, in the recorded listing's shape.
    recorded = json.loads((FIXTURES / "reddit" / "new.json").read_text())["body"]
    found = recorded.replace("1cha3x2", "1chb9z9").replace("Acme app crashes at start", "Another crash of Acme")
    listing = json.loads(found)
    listing["data"]["children"] = listing["data"]["children"][:1]
    replay.add("GET", "/r/acme/search", body=json.dumps(listing), headers={"content-type": "application/json"})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    assert Message.objects.get(channel=channel, external_id="t3_1chb9z9").title == "Another crash of Acme"
    assert Conversation.objects.filter(workspace=workspace).count() == opened  # kept, not work

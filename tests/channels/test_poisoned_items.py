"""One item a channel cannot read never stops the channel: for every connector, a poisoned item among good
ones is kept as a RejectedItem with its reason, the good ones are stored, the cursor moves past it, and the
next poll does not fail (issue 12: one mailing-list message stopped a mail channel for good)."""

from __future__ import annotations

import copy
import json
import mailbox

import pytest

from animateur.channels.models import Channel, ChannelRun, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES
from tests.channels.test_bluesky import NOTIFICATIONS, bsky
from tests.channels.test_discourse import forum
from tests.channels.test_email import ImapServer, eml, mailbox_channel
from tests.channels.test_mbox import mbox_channel
from tests.channels.test_reddit import reddit_channel
from tests.channels.test_wordpress import wp_channel


def body_of(kind: str, name: str):
    recorded = json.loads((FIXTURES / kind / f"{name}.json").read_text())
    return recorded["body"] if not isinstance(recorded["body"], str) else json.loads(recorded["body"])


def stored(channel: Channel) -> list[str]:
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def only_rejected(channel: Channel) -> RejectedItem:
    rejected = list(RejectedItem.objects.filter(channel=channel))
    assert len(rejected) == 1, [r.reason for r in rejected]
    assert rejected[0].reason.strip()
    return rejected[0]


def polled_twice(channel: Channel) -> tuple[ChannelRun, ChannelRun]:
    first = poll_channel(channel.pk)
    assert first is not None and first.ok, first and first.error
    second = poll_channel(channel.pk)
    assert second is not None and second.ok, second and second.error
    channel.refresh_from_db()
    assert channel.consecutive_failures == 0 and channel.last_error == ""
    return first, second


# -- mail ---------------------------------------------------------------------------------------------
LIST_MESSAGE = "20240502161239.GA4411@host.example.org"


def test_email_a_list_message_to_unlisted_recipients_is_stored_and_one_without_sender_is_rejected(
    workspace, private_urls
):
    imap = ImapServer(
        {
            101: eml("question"),
            102: eml("list_unlisted_recipients"),
            103: eml("no_sender"),
            104: eml("newsletter"),
        }
    )
    try:
        channel = mailbox_channel(workspace, imap)
        first, second = polled_twice(channel)
    finally:
        imap.close()
    assert first.created == 3 and first.rejected == 1 and second.items == 0
    assert LIST_MESSAGE in stored(channel) and len(stored(channel)) == 3
    listed = Message.objects.get(channel=channel, external_id=LIST_MESSAGE)
    assert listed.author.email == "paul.martin@example.org" and "accented name" in listed.text
    assert listed.raw["to"] == "unlisted-recipients:; (no To-header on input)"
    rejected = only_rejected(channel)
    assert rejected.external_id == "20240502170000.orphan@relay.example.org"
    assert "expéditeur" in rejected.reason
    assert channel.cursor["uid"] == 104


def test_mbox_a_list_message_to_unlisted_recipients_is_stored_and_one_without_sender_is_rejected(workspace, imports):
    box = mailbox.mbox(imports / "archive.mbox")
    for name in ("question", "list_unlisted_recipients", "no_sender", "newsletter"):
        box.add((FIXTURES / "email" / f"{name}.eml").read_bytes())
    box.flush()
    box.close()
    channel = mbox_channel(workspace)
    first, second = polled_twice(channel)
    assert first.created == 3 and first.rejected == 1 and second.items == 0
    assert LIST_MESSAGE in stored(channel)
    assert "expéditeur" in only_rejected(channel).reason
    assert channel.cursor["index"] == 4


# -- files --------------------------------------------------------------------------------------------
def test_files_a_line_that_breaks_the_reader_and_a_row_the_database_refuses_are_rejected_alone(workspace, imports):
    good = {"id": "m1", "text": "Merci pour la réponse", "created_at": "2024-05-01T10:00:00Z", "author_id": "u1"}
    nested = "[" * 100_000  # json.loads gives up with a RecursionError, not a ValueError
    surrogate = '{"id": "m2", "text": "caf\\ud800 cassé", "created_at": "2024-05-01T10:01:00Z", "author_id": "u2"}'
    last = {**good, "id": "m3", "text": "Et encore merci"}
    (imports / "log.jsonl").write_text("\n".join([json.dumps(good), nested, surrogate, json.dumps(last)]) + "\n")
    channel = Channel.objects.create(workspace=workspace, kind="files", name="export", config={"path": "log.jsonl"})
    first, second = polled_twice(channel)
    assert stored(channel) == ["m1", "m3"]
    assert first.rejected == 2 and second.items == 0
    reasons = {r.external_id: r.reason for r in RejectedItem.objects.filter(channel=channel)}
    assert "pas pu être lu" in reasons.pop(next(k for k in reasons if k != "m2"))
    assert "pas pu être enregistré" in reasons["m2"]


def test_files_a_row_with_nul_characters_never_stops_the_channel_on_any_database(workspace, imports):
    rows = [
        {"id": "m1", "text": "Bonjour", "created_at": "2024-05-01T10:00:00Z", "author_id": "u1"},
        # PostgreSQL refuses NUL in text and JSON; SQLite keeps it: stored there, rejected alone here.
        {"id": "m2", "text": "nul\u0000", "created_at": "2024-05-01T10:01:00Z", "author_name": "Bob\u0000"},
        {"id": "m3", "text": "Au revoir", "created_at": "2024-05-01T10:02:00Z", "author_id": "u1"},
    ]
    (imports / "log.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    channel = Channel.objects.create(workspace=workspace, kind="files", name="export", config={"path": "log.jsonl"})
    first, second = polled_twice(channel)
    assert {"m1", "m3"} <= set(stored(channel)) and second.items == 0
    assert first.created + first.rejected == 3
    for rejected in RejectedItem.objects.filter(channel=channel):
        assert rejected.external_id == "m2" and "pas pu être enregistré" in rejected.reason


# -- feeds and APIs -----------------------------------------------------------------------------------
def test_rss_an_entry_dated_zero_is_rejected_and_the_others_stored(workspace, replay):
    items = "".join(
        f"<item><title>{title}</title><link>https://example.org/{n}</link><guid>news-{n}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for n, (title, date) in enumerate(
            [
                ("Newest", "Thu, 02 May 2024 10:00:00 +0000"),
                ("Zero date", "0000-00-00T00:00:00Z"),  # a database's empty date, as some sites write it
                ("Oldest", "Wed, 01 May 2024 10:00:00 +0000"),
            ]
        )
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://example.org/</link><description>d</description>{items}</channel></rss>"
    )
    replay.add("GET", "/feed", body=feed, headers={"etag": '"v1"'})
    replay.add("GET", "/feed", status=304)
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="feed", config={"url": replay.base + "/feed"}
    )
    first, second = polled_twice(channel)
    assert stored(channel) == ["news-0", "news-2"] and first.rejected == 1 and second.items == 0
    rejected = only_rejected(channel)
    assert rejected.external_id == "news-1" and "0000-00-00" in rejected.reason
    assert channel.cursor["etag"] == '"v1"'


def test_mastodon_a_notification_whose_status_has_no_id_is_rejected_and_the_others_stored(workspace, replay):
    page = body_of("mastodon", "notifications_mentions")
    later = copy.deepcopy(page[0])
    later["id"] = "23"
    later["status"]["id"] = "117020577157699999"
    poisoned = copy.deepcopy(page[0])
    poisoned["id"] = "22"
    del poisoned["status"]["id"]
    replay.add("GET", "/api/v1/notifications", body=[later, poisoned, page[0]], query="types")
    replay.add("GET", "/api/v1/notifications", body=[], query="min_id=23")
    channel = mastodon_channel(workspace, replay.base)
    first, second = polled_twice(channel)
    assert stored(channel) == ["117020577157693549", "117020577157699999"]
    assert first.rejected == 1 and second.items == 0
    assert only_rejected(channel).reason == "ce statut n’a pas d’identifiant"
    assert channel.cursor["mentions"] == "23"


def test_wordpress_a_post_without_id_is_rejected_and_the_others_stored(workspace, replay):
    posts = body_of("wordpress", "posts_page1")
    poisoned = copy.deepcopy(posts[0])
    del poisoned["id"]
    replay.recorded("wordpress", "posts_page1", query="&page=1", body=json.dumps([posts[0], poisoned, posts[1]]))
    replay.recorded("wordpress", "posts_page2", query="&page=2")
    replay.recorded("wordpress", "comments_page1", query="&page=1")
    replay.recorded("wordpress", "comments_page2", query="&page=2")
    channel = wp_channel(workspace, replay)
    first, second = polled_twice(channel)
    assert first.created == 6 and first.rejected == 1
    assert "post:1149" in stored(channel) and "comment:883" in stored(channel)
    assert only_rejected(channel).reason == "cet article n’a pas d’identifiant"
    assert channel.cursor["comments"]["date"] == "2008-09-03T10:31:00"


def test_discourse_a_post_without_id_is_rejected_and_the_others_stored(workspace, replay):
    latest = body_of("discourse", "latest_page")
    poisoned = copy.deepcopy(latest["latest_posts"][1])
    poisoned["id"] = None
    latest["latest_posts"].insert(2, poisoned)
    replay.add("GET", "/posts.json", body=latest)
    channel = forum(workspace, replay)
    first, second = polled_twice(channel)
    assert stored(channel) == ["40/4", "40/5", "40/6", "41/2"] and first.rejected == 1
    assert second.rejected == 0
    assert only_rejected(channel).reason == "ce message du forum n’a pas d’identifiant"
    assert channel.cursor["last_id"] == 103


def test_bluesky_a_notification_whose_author_has_no_handle_is_rejected_and_the_others_stored(workspace, replay):
    page = body_of("bluesky", "notifications")
    quote = page["notifications"][0]
    mention = copy.deepcopy(quote)
    mention.update(reason="mention", uri=quote["uri"].replace("3kr2ddddddd2d", "3kr2eeeeeee2e"))
    mention["indexedAt"] = "2024-05-01T09:12:00.123Z"
    poisoned = copy.deepcopy(mention)
    poisoned.update(uri=quote["uri"].replace("3kr2ddddddd2d", "3kr2fffffff2f"), indexedAt="2024-05-01T09:11:00.123Z")
    del poisoned["author"]["handle"]
    page["notifications"] = [mention, poisoned, *page["notifications"]]
    replay.recorded("bluesky", "create_session")
    replay.add("GET", NOTIFICATIONS, body=page)
    channel = bsky(workspace, replay)
    first, second = polled_twice(channel)
    assert stored(channel) == sorted([quote["uri"], mention["uri"]]) and first.rejected == 1
    rejected = only_rejected(channel)
    assert rejected.external_id == poisoned["uri"] and "author.handle" in rejected.reason
    assert rejected.reason.startswith("cet élément n’a pas pu être lu")
    assert channel.cursor["notifications"]["indexed_at"] == "2024-05-01T09:12:00.123Z"


def test_reddit_a_comment_without_a_time_is_rejected_and_the_others_stored(workspace, reddit):
    comments = body_of("reddit", "comments")
    poisoned = copy.deepcopy(comments["data"]["children"][0])
    poisoned["data"].update(id="l21zzzz", name="t1_l21zzzz", created_utc=None)
    comments["data"]["children"].insert(1, poisoned)
    reddit.recorded("reddit", "access_token")
    reddit.recorded("reddit", "new")
    reddit.recorded("reddit", "comments", body=json.dumps(comments))
    channel = reddit_channel(workspace)
    first, second = polled_twice(channel)
    assert first.created == 4 and first.rejected == 1 and second.created == 0
    rejected = only_rejected(channel)
    assert rejected.external_id == "t1_l21zzzz" and rejected.reason.startswith("ce message ou commentaire n’a pas")


@pytest.fixture
def reddit(replay, monkeypatch):
    from animateur.channels.connectors.reddit import RedditConnector

    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    return replay

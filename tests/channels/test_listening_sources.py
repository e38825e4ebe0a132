"""Listening sources: channels that look outside the owned ones, searching for the saved searches' terms.

Mastodon is replayed from the real recordings of ../shared/data/mastodon (Mastodon.py's cassettes, see
its README) when they are there; Bluesky, Reddit and Discourse from small answers written in the shape
their APIs document (the Bluesky and Reddit ones are the connector tests' own fixtures).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from animateur.channels.apps import LISTENING_KINDS
from animateur.channels.connectors import connector_for, kinds
from animateur.channels.connectors.reddit import RedditConnector
from animateur.channels.errors import TransientError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.actions import SystemActor
from animateur.inbox.models import Conversation
from animateur.listening.actions import do_create_search
from animateur.listening.models import SearchMatch
from animateur.stream.models import Message
from tests.channels.replay import FIXTURES, shift_to_now

SYSTEM = SystemActor("tests")
CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "data" / "mastodon" / "cassettes"
needs_cassettes = pytest.mark.skipif(
    not CASSETTES.is_dir(), reason="needs ../shared/data/mastodon/cassettes (Mastodon.py's recordings)"
)


def cassette_body(name: str, path: str) -> str:
    """The body of the first answer to a GET of `path` in a recorded cassette."""
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text())
    for interaction in data["interactions"]:
        request = interaction["request"]
        if request["method"] == "GET" and request["uri"].split("?")[0].endswith(path):
            return interaction["response"]["body"]["string"]
    raise LookupError(f"no GET {path} in {name}")


def listening_channel(workspace, kind: str, config: dict, secrets: dict | None = None, **fields) -> Channel:
    return Channel.objects.create(
        workspace=workspace,
        kind=kind,
        name=f"Listening ({kind})",
        config=config,
        credentials=json.dumps(secrets) if secrets else "",
        **fields,
    )


def search(workspace, name: str, query: str):
    return do_create_search(workspace, name, query, actor=SYSTEM)


def test_every_listening_kind_is_a_listening_source_and_no_other_kind_is():
    assert {kind for kind, connector in kinds().items() if getattr(connector, "listening", False)} == set(
        LISTENING_KINDS
    )


# -- Mastodon, on the real recordings -------------------------------------------------------------------


@needs_cassettes
def test_a_hashtag_of_a_saved_search_is_read_from_its_timeline_matched_and_opens_no_conversation(workspace, replay):
    replay.add("GET", "/api/v1/timelines/tag/hoot", body=shift_to_now(cassette_body("test_hashtag_tl", "tag/hoot")))
    found = search(workspace, "Hoots", "#hoot")
    search(workspace, "Excluded only by a field", "lang:fr")  # gives no term: nothing asked for it
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    message = Message.objects.get(channel=channel)
    assert "(hashtag toot)" in message.text and message.author.handle == "@mastodonpy_test_2"
    assert SearchMatch.objects.filter(search=found, message=message).exists()
    assert not Conversation.objects.filter(root=message).exists()  # heard elsewhere: no inbox work
    requested = replay.requests("GET", "/api/v1/timelines/tag/hoot")
    assert len(requested) == 1 and "Authorization" not in requested[0].headers  # read without a token
    assert not replay.requests("GET", "/api/v2/search")  # words are searched only with a token
    channel.refresh_from_db()
    assert channel.cursor == {"tag:hoot": message.external_id}


@needs_cassettes
def test_a_word_is_searched_with_a_token_on_the_recorded_search_endpoint(workspace, replay):
    replay.add("GET", "/api/v2/search", body=cassette_body("test_search", "/api/v2/search"), query="type=statuses")
    search(workspace, "Tests", '"mastodonpy test" OR greve')
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base}, {"access_token": "t"})
    run = poll_channel(channel.pk)
    assert run.ok and run.items == 0, run.error
    queries = sorted(r.query for r in replay.requests("GET", "/api/v2/search"))
    assert len(queries) == 2 and all("type=statuses" in q and "resolve" not in q for q in queries)
    assert any("q=%22mastodonpy+test%22" in q for q in queries) and any("q=greve" in q for q in queries)


@needs_cassettes
def test_every_status_of_the_recordings_read_as_a_hashtag_timeline_is_stored_or_rejected_never_lost(workspace, replay):
    yaml = pytest.importorskip("yaml")
    statuses: dict[str, dict] = {}
    for path in sorted(CASSETTES.glob("*.yaml")):
        for interaction in yaml.safe_load(path.read_text())["interactions"]:
            try:
                body = json.loads(interaction["response"]["body"]["string"] or "null")
            except (ValueError, TypeError):
                continue
            for entry in body if isinstance(body, list) else [body]:
                if isinstance(entry, dict) and "content" in entry and "account" in entry and entry.get("id"):
                    statuses[str(entry["id"])] = entry
    assert len(statuses) > 50
    page = sorted(statuses.values(), key=lambda s: (len(str(s["id"])), str(s["id"])), reverse=True)[:40]
    broken = copy.deepcopy(page[5])
    del broken["account"]  # one the connector cannot read: rejected alone
    page[5] = broken
    replay.add("GET", "/api/v1/timelines/tag/acme", body=json.dumps(page))
    search(workspace, "Acme", "#acme")
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base})
    run = poll_channel(channel.pk)
    assert run.ok and run.created + run.rejected == 40 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).external_id == str(broken["id"])
    assert not Conversation.objects.filter(channel=channel).exists()


def test_mastodon_rate_limiting_waits_as_long_as_retry_after_asks(workspace, replay):
    replay.add("GET", "/api/v1/timelines/tag/acme", status=429, body={"error": "Too many requests"},
               headers={"Retry-After": "30"})  # fmt: skip
    search(workspace, "Acme", "#acme")
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base})
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 30
    run = poll_channel(channel.pk)
    assert not run.ok and run.cause == "rate_limited"
    assert "Mastodon" in run.error or "serveur" in run.error  # said in the workspace's French


def test_a_term_added_after_the_first_poll_brings_its_past_as_history(workspace, replay):
    body = json.loads((FIXTURES / "mastodon" / "timeline_public.json").read_text())["body"]
    statuses = json.loads(body) if isinstance(body, str) else body
    replay.add("GET", "/api/v1/timelines/tag/acme", body=shift_to_now(json.dumps(statuses[:1])))
    replay.add("GET", "/api/v1/timelines/tag/rscci", body=shift_to_now(json.dumps(statuses[1:2])))
    search(workspace, "Acme", "#acme")
    search(workspace, "RSCCI", "#rscci")
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base})
    connector = connector_for(channel)
    # #acme was read before, #rscci was not: what #rscci finds at first was said before anybody listened.
    raws = {raw.extra["stream"]: raw for raw in connector.fetch(since={"tag:acme": "1"})}
    assert raws["tag:rscci"].extra.get("first_read") and not raws["tag:acme"].extra.get("first_read")
    assert connector.normalize(raws["tag:rscci"]).historical
    assert not connector.normalize(raws["tag:acme"]).historical
    # On a channel's very first poll nothing is marked: the channel's own history rule applies.
    assert not any(raw.extra.get("first_read") for raw in connector_for(channel).fetch(since={}))


# -- Bluesky --------------------------------------------------------------------------------------------


def test_bluesky_searches_each_term_of_the_saved_searches(workspace, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "search", recent=True)
    search(workspace, "Acme", "acme NEAR/5 release -spam")
    channel = listening_channel(
        workspace,
        "bluesky_listen",
        {"service": replay.base, "handle": "acme.bsky.social"},
        {"app_password": "app-pass-word"},
    )
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1, run.error
    post = Message.objects.get(channel=channel)
    assert post.author.handle == "@paul.example.com" and not Conversation.objects.filter(root=post).exists()
    assert SearchMatch.objects.filter(message=post).count() == 1
    query = replay.requests("GET", "/xrpc/app.bsky.feed.searchPosts")[0].query
    assert "q=release" in query and "sort=latest" in query  # the longer word of the NEAR: the tighter
    assert list(channel.refresh_from_db() or channel.cursor) == ["search:release"]


def test_bluesky_slowing_the_search_down_is_waited_for_and_stores_no_cursor(workspace, replay):
    replay.recorded("bluesky", "create_session")
    replay.recorded("bluesky", "rate_limited", path="/xrpc/app.bsky.feed.searchPosts", headers={"retry-after": "90"})
    search(workspace, "Acme", "acme")
    channel = listening_channel(
        workspace, "bluesky_listen", {"service": replay.base, "handle": "acme.bsky.social"}, {"app_password": "p"}
    )
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 90
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and not channel.needs_reconnection and channel.cursor == {}


# -- Reddit ---------------------------------------------------------------------------------------------


@pytest.fixture
def reddit(replay, monkeypatch):
    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    return replay


def test_reddit_searches_all_of_reddit_for_each_term_newest_first(workspace, reddit):
    reddit.recorded("reddit", "access_token")
    listing = json.loads((FIXTURES / "reddit" / "new.json").read_text())["body"]
    reddit.add("GET", "/r/all/search", body=listing)
    search(workspace, "Crashes", "crashes OR plante")
    channel = listening_channel(workspace, "reddit_listen", {"client_id": "app-id"}, {"client_secret": "s"})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2, run.error
    queries = [r.query for r in reddit.requests("GET", "/r/all/search")]
    assert any("q=crashes" in q for q in queries) and any("q=plante" in q for q in queries)
    assert all("sort=new" in q for q in queries)
    assert not Conversation.objects.filter(channel=channel).exists()
    assert set(channel.refresh_from_db() or channel.cursor) == {"search:crashes", "search:plante"}


# -- Discourse ------------------------------------------------------------------------------------------

# The documented shape of /search.json (Discourse's API reference, « Search for a term »): posts with an
# excerpt (`blurb`), their topics apart, and whether more pages follow.
SEARCH = {
    "posts": [
        {"id": 812, "name": "Marie", "username": "marie", "avatar_template": "/a/{size}.png",
         "created_at": "2026-12-07T09:10:00.000Z", "like_count": 0,
         "blurb": "Acme’s new tariffs are far too expensive for…", "post_number": 3, "topic_id": 77},
        {"username": "broken", "post_number": 1, "topic_id": 78, "blurb": "no id"},
        {"id": 790, "name": "Paul", "username": "paul", "avatar_template": "/a/{size}.png",
         "created_at": "2026-12-07T08:00:00.000Z", "like_count": 1,
         "blurb": "Has anybody compared Acme with…", "post_number": 1, "topic_id": 76},
    ],
    "topics": [
        {"id": 77, "title": "Acme prices", "fancy_title": "Acme prices", "slug": "acme-prices", "category_id": 4},
        {"id": 76, "title": "Comparing tools", "fancy_title": "Comparing tools", "slug": "comparing-tools",
         "category_id": 4},
    ],
    "users": [], "categories": [], "tags": [], "groups": [],
    "grouped_search_result": {"more_posts": None, "more_users": None, "more_categories": None, "term": "acme",
                              "search_log_id": 9, "more_full_page_results": None, "can_create_topic": False,
                              "error": None, "post_ids": [812, 790], "user_ids": [], "topic_ids": [77, 76]},
}  # fmt: skip
# /t/77/posts.json?post_ids[]=812: the post whole (its `cooked` HTML and what it answers).
TOPIC_POSTS = {
    "post_stream": {
        "posts": [
            {"id": 812, "name": "Marie", "username": "marie", "created_at": "2026-12-07T09:10:00.000Z",
             "cooked": "<p>Acme’s new tariffs are far too expensive for a small association.</p>",
             "post_number": 3, "reply_to_post_number": 2, "topic_id": 77, "topic_slug": "acme-prices",
             "user_id": 41}
        ]
    },
    "id": 77,
}  # fmt: skip


def test_a_forum_is_searched_and_each_post_found_read_whole_one_without_id_rejected_alone(workspace, replay):
    replay.add("GET", "/search.json", body=shift_to_now(json.dumps(SEARCH)))
    replay.add("GET", "/t/77/posts.json", body=shift_to_now(json.dumps(TOPIC_POSTS)))
    replay.add("GET", "/t/76/posts.json", status=403, body={"errors": ["You are not permitted to view this."]})
    search(workspace, "Acme", "acme")
    channel = listening_channel(workspace, "discourse_listen", {"forum_url": replay.base})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 1, run.error
    whole = Message.objects.get(channel=channel, external_id="77/3")
    assert whole.text == "Acme’s new tariffs are far too expensive for a small association."
    assert whole.url == f"{replay.base}/t/acme-prices/77/3"
    excerpt = Message.objects.get(channel=channel, external_id="76/1")  # its topic refused: the excerpt
    assert excerpt.text.startswith("Has anybody compared Acme") and excerpt.title == "Comparing tools"
    assert not Conversation.objects.filter(channel=channel).exists()
    query = replay.requests("GET", "/search.json")[0].query
    assert "q=acme+order%3Alatest" in query
    assert "post_ids%5B%5D=812" in replay.requests("GET", "/t/77/posts.json")[0].query
    channel.refresh_from_db()
    assert channel.cursor == {"search:acme": {"last_id": 812}}
    # The next run reads down to what it has: nothing is stored twice.
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0


def test_a_forum_asking_to_slow_down_is_waited_for_as_long_as_it_says(workspace, replay):
    replay.add("GET", "/search.json", status=429,
               body={"errors": ["You’ve performed this action too many times."], "error_type": "rate_limit",
                     "extras": {"wait_seconds": 42, "time_left": "42 seconds"}})  # fmt: skip
    search(workspace, "Acme", "acme")
    channel = listening_channel(workspace, "discourse_listen", {"forum_url": replay.base})
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 42


# -- feeds ----------------------------------------------------------------------------------------------


def test_a_news_feed_is_heard_elsewhere(workspace, replay):
    feed = (FIXTURES / "rss" / "wordpress-theme-preview.xml").read_text()
    replay.add("GET", "/alerts.xml", body=feed, headers={"content-type": "application/rss+xml"})
    channel = listening_channel(workspace, "feed_listen", {"url": f"{replay.base}/alerts.xml"})
    run = poll_channel(channel.pk)
    assert run.ok and run.created > 0, run.error
    assert not Conversation.objects.filter(channel=channel).exists()


# -- pages ----------------------------------------------------------------------------------------------


def test_the_setup_forms_are_in_french_and_the_channel_page_says_which_terms_it_searches(workspace, manager_client):
    search(workspace, "Acme", '#acme OR (tarif* AND "Acme Corp")')
    search(workspace, "Langues", "lang:fr")
    for kind in LISTENING_KINDS:
        page = manager_client.get(f"/app/channels/add/{kind}/").content.decode()
        assert "(listening)" not in page and "(écoute)" in page
    channel = listening_channel(workspace, "mastodon_listen", {"api_base_url": "https://mastodon.example"})
    page = manager_client.get(f"/app/channels/{channel.pk}/").content.decode()
    assert "#acme" in page and "&quot;Acme Corp&quot;" in page and "Langues" in page
    assert "entendus ailleurs" in page


def test_testing_a_listening_source_says_what_it_will_search_for(workspace, replay):
    replay.recorded("mastodon", "instance_v2")
    replay.recorded("discourse", "basic_info")
    search(workspace, "Acme", "#acme OR acme")
    search(workspace, "Préfixes", "acm*")
    mastodon = listening_channel(workspace, "mastodon_listen", {"api_base_url": replay.base})
    said = connector_for(mastodon).test_connection()
    assert "sans jeton d’accès, seuls les mots-dièse sont lus" in said and "1 terme recherché : #acme" in said
    assert "recherches sans terme à demander : Préfixes" in said
    forum = listening_channel(workspace, "discourse_listen", {"forum_url": replay.base})
    assert "2 termes recherchés : #acme, acme" in connector_for(forum).test_connection()

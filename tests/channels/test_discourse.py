"""A Discourse forum over its REST API, replayed by a local server (see fixtures/discourse/README.md)."""

import json

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.connectors import discourse as discourse_module
from animateur.channels.errors import AuthError, PermanentError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message


def forum(workspace, replay, key="", cursor=None, **config):
    return Channel.objects.create(
        workspace=workspace,
        kind="discourse",
        name="Forum",
        config={"forum_url": replay.base, "api_username": "acme_team" if key else "", **config},
        credentials=json.dumps({"api_key": key}) if key else "",
        cursor=cursor or {},
    )


def serve_posts(replay):
    replay.recorded("discourse", "latest_page")
    replay.recorded("discourse", "latest_before_100", query="before=100")


def external_ids(channel):
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def test_a_first_run_takes_the_latest_page_threaded_and_the_next_one_only_what_is_newer(workspace, replay):
    serve_posts(replay)
    channel = forum(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 4, run.error
    assert external_ids(channel) == ["40/4", "40/5", "40/6", "41/2"]
    answer = Message.objects.get(channel=channel, external_id="40/5")
    assert answer.kind == Kind.REPLY and answer.parent.external_id == "40/4"
    assert answer.author.handle == "@paul" and answer.text == "That worked, thanks!"
    assert answer.url == f"{replay.base}/t/webhooks-fire-twice-after-upgrade/40/5"
    channel.refresh_from_db()
    assert channel.cursor == {"last_id": 103, "gaps": []}
    second = poll_channel(channel.pk)
    assert second.ok and second.items == 0
    assert all("before" not in r.query for r in replay.requests("GET", "/posts.json"))


def test_newest_first_pages_are_read_down_to_the_cursor_and_stored_oldest_first(workspace, replay):
    serve_posts(replay)
    channel = forum(workspace, replay, cursor={"last_id": 96, "gaps": []})
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 7
    topic = Message.objects.get(channel=channel, external_id="41/1")
    assert topic.kind == Kind.POST and topic.title == "Meetup in Lyon"
    # 40/1 (post 96) was stored before: 40/2 answers the topic, without a parent in the stream yet.
    assert Message.objects.get(channel=channel, external_id="40/2").kind == Kind.COMMENT
    assert external_ids(channel) == ["40/2", "40/3", "40/4", "40/5", "40/6", "41/1", "41/2"]
    channel.refresh_from_db()
    assert channel.cursor == {"last_id": 103, "gaps": []}
    assert "before=100" in replay.requests("GET", "/posts.json")[-1].query
    fetched = connector_for(channel).fetch(since={"last_id": 96, "gaps": []})
    assert [raw.external_id for raw in fetched] == ["40/2", "41/1", "40/3", "40/4", "40/5", "41/2", "40/6"]


def test_a_category_channel_keeps_only_that_categorys_posts(workspace, replay):
    serve_posts(replay)
    channel = forum(workspace, replay, cursor={"last_id": 96, "gaps": []}, category_id=7)
    assert poll_channel(channel.pk).created == 5
    assert not Message.objects.filter(channel=channel, external_id__startswith="41/").exists()


def test_a_run_out_of_pages_remembers_the_gap_and_the_next_run_fills_it(workspace, replay, monkeypatch):
    serve_posts(replay)
    channel = forum(workspace, replay, cursor={"last_id": 96, "gaps": []})
    monkeypatch.setattr(discourse_module, "MAX_PAGES_PER_RUN", 1)
    assert poll_channel(channel.pk).created == 4
    channel.refresh_from_db()
    assert channel.cursor == {"last_id": 103, "gaps": [[96, 100]]}
    monkeypatch.setattr(discourse_module, "MAX_PAGES_PER_RUN", 25)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 3
    assert external_ids(channel) == ["40/2", "40/3", "40/4", "40/5", "40/6", "41/1", "41/2"]
    channel.refresh_from_db()
    assert channel.cursor == {"last_id": 103, "gaps": []}


def test_rate_limiting_is_transient_with_the_forums_wait(workspace, replay):
    replay.recorded("discourse", "rate_limited")
    channel = forum(workspace, replay)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 10
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and not channel.needs_reconnection and channel.cursor == {}


def test_testing_the_connection_names_the_forum_the_account_or_the_cause(workspace, replay):
    replay.recorded("discourse", "basic_info")
    replay.recorded("discourse", "session_current")
    assert connector_for(forum(workspace, replay)).test_connection() == (
        "Forum « Acme Community », lu sans compte"
    )
    assert connector_for(forum(workspace, replay, key="k")).test_connection() == (
        "Forum « Acme Community », connecté en tant que @acme_team"
    )
    replay.routes.clear()
    replay.recorded("discourse", "basic_info")
    replay.recorded("discourse", "invalid_key")
    with pytest.raises(AuthError) as refused:
        connector_for(forum(workspace, replay, key="bad")).test_connection()
    assert "invalid" in str(refused.value) and "bad" not in str(refused.value).split("invalid")[0]
    replay.routes.clear()
    replay.add(
        "GET", "/site/basic-info.json", body="<html>a blog</html>", headers={"content-type": "text/html"}
    )
    with pytest.raises(PermanentError) as other:
        connector_for(forum(workspace, replay)).test_connection()
    assert other.value.cause == "not_discourse"


def test_an_answer_is_posted_in_the_topic_in_reply_to_the_post_with_the_api_key(workspace, replay):
    replay.recorded("discourse", "post_created")
    channel = forum(workspace, replay, key="secret-key")
    answer = connector_for(channel).reply(Message(external_id="40/5"), "Fixed in 3.2.1.")
    assert answer == "40/7"
    sent = replay.requests("POST", "/posts.json")[0]
    assert json.loads(sent.body) == {"topic_id": 40, "raw": "Fixed in 3.2.1.", "reply_to_post_number": 5}
    assert sent.headers["Api-Key"] == "secret-key" and sent.headers["Api-Username"] == "acme_team"
    with pytest.raises(AuthError):
        connector_for(forum(workspace, replay)).reply(Message(external_id="40/5"), "x")

"""Reddit through praw (and prawcore's requests session), against answers replayed by a local server."""

import json

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.connectors.reddit import RedditConnector
from animateur.channels.errors import AuthError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message


@pytest.fixture
def reddit(replay, monkeypatch):
    monkeypatch.setattr(RedditConnector, "oauth_url", replay.base)
    monkeypatch.setattr(RedditConnector, "reddit_url", replay.base)
    return replay


def reddit_channel(workspace, cursor=None, **config):
    return Channel.objects.create(
        workspace=workspace,
        kind="reddit",
        name="r/acme",
        config={"subreddit": "acme", "client_id": "app-id", **config},
        credentials=json.dumps({"client_secret": "app-secret"}),
        cursor=cursor or {},
    )


def test_new_posts_and_comments_arrive_threaded_and_the_next_run_takes_only_newer_ones(workspace, reddit):
    reddit.recorded("reddit", "access_token")
    reddit.recorded("reddit", "new")
    reddit.recorded("reddit", "comments")
    channel = reddit_channel(workspace)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 4, run.error
    post = Message.objects.get(channel=channel, external_id="t3_1cha3x2")
    assert post.kind == Kind.POST and post.title == "Acme app crashes at start"
    assert post.author.handle == "u/marie_d" and "closes at once" in post.text
    answer = Message.objects.get(channel=channel, external_id="t1_l21b2c3")
    assert answer.kind == Kind.REPLY and answer.parent.external_id == "t1_l21a1b1"
    assert answer.parent.parent == post and answer.thread_root == post
    token = reddit.requests("POST", "/api/v1/access_token")[0]
    assert b"grant_type=client_credentials" in token.body
    assert reddit.requests("GET", "/r/acme/new")[0].headers["Authorization"].startswith("bearer ")
    channel.refresh_from_db()
    assert channel.cursor["r/acme/new"] == {"created": 1714554000.0, "names": ["t3_1cha3x2"]}
    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0


def test_a_listing_is_read_down_only_to_the_cursor(workspace, reddit):
    reddit.recorded("reddit", "access_token")
    reddit.recorded("reddit", "new")
    reddit.add("GET", "/r/acme/comments", body={"kind": "Listing", "data": {"after": None, "children": []}})
    channel = reddit_channel(workspace, cursor={"r/acme/new": {"created": 1714550400.0, "names": ["t3_1cha1a0"]}})
    fetched = list(connector_for(channel).fetch(since=channel.cursor))
    assert [raw.external_id for raw in fetched] == ["t3_1cha3x2"]


def test_refused_app_credentials_need_reconnection(workspace, reddit):
    reddit.recorded("reddit", "access_token_refused")
    channel = reddit_channel(workspace)
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and channel.needs_reconnection and "app-secret" not in run.error
    with pytest.raises(AuthError):
        connector_for(channel).test_connection()


def test_rate_limiting_is_transient(workspace, reddit):
    reddit.recorded("reddit", "access_token")
    reddit.recorded("reddit", "too_many_requests")
    channel = reddit_channel(workspace)
    with pytest.raises(TransientError) as raised:
        list(connector_for(channel).fetch(since={}))
    assert raised.value.cause == "rate_limited" and raised.value.retry_after == 7
    run = poll_channel(channel.pk)
    channel.refresh_from_db()
    assert not run.ok and not channel.needs_reconnection


def test_testing_the_connection_names_the_subreddit(workspace, reddit):
    reddit.recorded("reddit", "access_token")
    reddit.recorded("reddit", "about")
    assert connector_for(reddit_channel(workspace)).test_connection() == "r/acme, 1234 membres"


def test_the_form_wants_a_subreddit_or_a_search(manager_client):
    response = manager_client.post(
        "/app/channels/add/reddit/",
        {"name": "r", "client_id": "x", "client_secret": "y", "poll_interval_seconds": 600, "action": "save"},
    )
    assert "Indiquez un subreddit, une recherche, ou les deux." in response.content.decode()
    assert not Channel.objects.filter(kind="reddit").exists()

"""Reddit through praw (and prawcore's requests session), against answers replayed by a local server."""

import copy
import json
import logging
from urllib.parse import parse_qs

import pytest

from animateur.channels.connectors import connector_for
from animateur.channels.connectors.reddit import RedditConnector
from animateur.channels.errors import AuthError, TransientError
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Kind, Message
from tests.channels.replay import FIXTURES


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
    assert channel.cursor["r/acme/new"] == {"created": 1714554000.0, "names": ["t3_1cha3x2"], "gaps": []}
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


class Subreddit:
    """r/acme/new as Reddit serves it: newest first, `limit` at most 100 a page, paged with `after`
    (the last fullname of the previous page), and no further back than `cap` items."""

    def __init__(self, cap: int = 1000) -> None:
        recorded = json.loads((FIXTURES / "reddit" / "new.json").read_text())
        body = recorded["body"] if isinstance(recorded["body"], dict) else json.loads(recorded["body"])
        self.template = body["data"]["children"][0]
        self.posts: list[dict] = []  # oldest first
        self.cap = cap

    def post(self, n: int) -> str:
        thing = copy.deepcopy(self.template)
        data = thing["data"]
        data.update(
            id=f"p{n:05d}",
            name=f"t3_p{n:05d}",
            title=f"Post {n}",
            selftext=f"Question {n} about Acme.",
            created_utc=1714554000.0 + 60 * n,
            created=1714554000.0 + 60 * n,
            permalink=f"/r/acme/comments/p{n:05d}/post_{n}/",
        )
        self.posts.append(thing)
        return data["name"]

    def __call__(self, request) -> dict:
        query = parse_qs(request.query)
        limit = min(int(query["limit"][0]), 100)
        listed = list(reversed(self.posts))[: self.cap]
        start = 0
        if "after" in query:
            names = [p["data"]["name"] for p in listed]
            if query["after"][0] not in names:
                return {"kind": "Listing", "data": {"after": None, "children": []}}
            start = names.index(query["after"][0]) + 1
        page = listed[start : start + limit]
        more = start + limit < len(listed)
        return {"kind": "Listing", "data": {"after": page[-1]["data"]["name"] if more else None, "children": page}}


@pytest.fixture
def subreddit(reddit, monkeypatch):
    from animateur.channels.connectors import reddit as connector

    monkeypatch.setattr(connector, "PAGE", 2)
    monkeypatch.setattr(connector, "MAX_ITEMS_PER_RUN", 3)
    reddit.recorded("reddit", "access_token")
    listing = Subreddit()
    reddit.add("GET", "/r/acme/new", body=listing)
    reddit.add("GET", "/r/acme/comments", body={"kind": "Listing", "data": {"after": None, "children": []}})
    return listing


def stored(channel) -> list[str]:
    return sorted(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def test_more_new_posts_than_a_run_reads_are_read_by_the_next_runs_without_a_hole(workspace, reddit, subreddit):
    names = [subreddit.post(n) for n in range(2)]
    channel = reddit_channel(workspace)
    assert poll_channel(channel.pk).created == 2
    names += [subreddit.post(n) for n in range(2, 12)]  # ten new posts; a run reads three
    second = poll_channel(channel.pk)
    assert second.ok and second.created == 3
    channel.refresh_from_db()
    assert channel.cursor["r/acme/new"]["gaps"] == [
        {"after": "t3_p00009", "created": 1714554060.0, "names": ["t3_p00001"]}
    ]
    names.append(subreddit.post(12))  # one more arrives while the gap is read
    for _run in range(6):
        assert poll_channel(channel.pk).ok
    assert stored(channel) == sorted(names)
    channel.refresh_from_db()
    assert channel.cursor["r/acme/new"]["gaps"] == []
    assert poll_channel(channel.pk).items == 0


def test_a_run_cut_inside_a_gap_resumes_from_the_last_stored_items_cursor(workspace, reddit, subreddit):
    for n in range(10):
        subreddit.post(n)
    gap = {"after": "t3_p00007", "created": 1714554060.0, "names": ["t3_p00001"]}
    cursor = {"r/acme/new": {"created": 1714554540.0, "names": ["t3_p00009"], "gaps": [gap]}}
    channel = reddit_channel(workspace, cursor=cursor)
    items = connector_for(channel).fetch(since=cursor)
    first = next(items)  # the top is known; the gap is read newest first
    assert first.external_id == "t3_p00006"
    # The worker dies here: the next run starts from the cursor stored with the first item.
    resumed = list(connector_for(channel).fetch(since=first.cursor))
    assert [raw.external_id for raw in resumed] == ["t3_p00005", "t3_p00004"]
    assert resumed[-1].cursor["r/acme/new"]["gaps"] == [{**gap, "after": "t3_p00004"}]


def test_a_gap_reddit_no_longer_lists_is_logged_and_dropped(workspace, reddit, subreddit, caplog):
    for n in range(10):
        subreddit.post(n)
    subreddit.cap = 5  # Reddit lists only the five newest now
    gap = {"after": "t3_p00006", "created": 1714554060.0, "names": ["t3_p00001"]}
    cursor = {"r/acme/new": {"created": 1714554540.0, "names": ["t3_p00009"], "gaps": [gap]}}
    channel = reddit_channel(workspace, cursor=cursor)
    with caplog.at_level(logging.WARNING, logger="animateur.channels.connectors.reddit"):
        run = poll_channel(channel.pk)
    assert run.ok and stored(channel) == ["t3_p00005"]
    assert "cannot be read" in caplog.text
    channel.refresh_from_db()
    assert channel.cursor["r/acme/new"]["gaps"] == []

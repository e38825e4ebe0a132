"""Reactions and shares read by the connectors whose own tests are shared with other work: Instagram's
likes (the real answers kept by python-facebook's tests), Mastodon's favourites and boosts (Mastodon.py's
recordings), Bluesky's likes and reposts, YouTube's likes (python-youtube's recordings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from animateur.channels.connectors.base import RawItem
from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.stream.models import Message

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
INSTAGRAM = DATA / "apis" / "facebook" / "instagram" / "apidata"
IG_USER = "17841400000000001"
EMPTY = {"data": [], "paging": {}}


def instagram(workspace, replay):
    return Channel.objects.create(
        workspace=workspace,
        kind="instagram",
        name="Acme sur Instagram",
        config={"ig_user_id": IG_USER, "ig_username": "acme.fr", "graph_url": f"{replay.base}/v21.0"},
        credentials=json.dumps({"access_token": "ig-token"}),
    )


@pytest.mark.skipif(not INSTAGRAM.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")
def test_real_instagram_media_and_comments_keep_their_likes(workspace, replay):
    media = json.loads((INSTAGRAM / "users" / "medias_p1.json").read_text())
    info = json.loads((INSTAGRAM / "comments" / "comments_fields.json").read_text())
    replay.add("GET", f"/v21.0/{IG_USER}/media", body={"data": media["data"], "paging": {}})
    replay.add("GET", f"/v21.0/{IG_USER}/tags", body=EMPTY)
    for item in media["data"]:
        replay.add("GET", f"/v21.0/{item['id']}/comments", body={"data": list(info.values()), "paging": {}})
    channel = instagram(workspace, replay)
    assert poll_channel(channel.pk).ok
    [asked] = replay.requests("GET", f"/v21.0/{IG_USER}/media")
    assert "like_count" in asked.query
    for item in media["data"]:
        stored = Message.objects.get(channel=channel, external_id=item["id"])
        assert stored.reactions == {"like": item["like_count"]} and stored.share_count is None
    for comment in info.values():
        stored = Message.objects.get(channel=channel, external_id=comment["id"])
        assert stored.reaction_count == comment["like_count"]


# -- Mastodon, on Mastodon.py's recordings ----------------------------------------------------------------

CASSETTES = DATA / "mastodon" / "cassettes"


def recorded_answer(name: str, method: str, path_end: str) -> str:
    yaml = pytest.importorskip("yaml")
    for interaction in yaml.safe_load((CASSETTES / f"{name}.yaml").read_text())["interactions"]:
        request = interaction["request"]
        if request["method"] == method and request["uri"].split("?")[0].endswith(path_end):
            return interaction["response"]["body"]["string"]
    raise LookupError(f"no {method} {path_end} in {name}")


@pytest.mark.skipif(not CASSETTES.is_dir(), reason="needs ../shared/data/mastodon/cassettes (Mastodon.py's recordings)")
def test_our_recent_mastodon_status_has_its_favourites_and_boosts_read_again(workspace, replay, monkeypatch):
    from django.utils import timezone

    from animateur.channels.connectors import connector_for
    from animateur.channels.runner import refresh_counts
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline
    from tests.channels.factories import mastodon_channel

    favourited = json.loads(recorded_answer("test_status_fav_unfav", "POST", "/favourite"))
    assert favourited["favourites_count"] == 1  # the server's answer to the favourite, as recorded
    channel = mastodon_channel(workspace, replay.base)
    connector = connector_for(channel)
    posted = json.loads(recorded_answer("test_status_fav_unfav", "POST", "/api/v1/statuses"))
    ours = connector.normalize(RawItem(str(posted["id"]), None, "status", posted))
    assert ours.counts is not None and ours.counts.reactions == {"favourite": 0} and ours.counts.shares == 0
    run_pipeline(
        [
            Incoming(
                channel=channel,
                external_id=str(posted["id"]),
                text="Un billet de l’organisation",
                created_at=timezone.now(),
                author=AuthorInfo(external_id="us"),
                kind="post",
                from_organisation=True,
                counts=ours.counts,
            )
        ]
    )
    Message.objects.filter(channel=channel).update(counts_read_at=None)
    replay.add("GET", f"/api/v1/statuses/{posted['id']}", body=favourited)
    assert refresh_counts(channel, connector) == 1
    stored = Message.objects.get(channel=channel)
    assert stored.reactions == {"favourite": 1} and stored.share_count == 0
    assert refresh_counts(channel, connector) == 0  # read a moment ago: not asked again
    assert len(replay.requests("GET", f"/api/v1/statuses/{posted['id']}")) == 1


# -- Bluesky, on the XRPC answers of tests/channels/fixtures/bluesky ---------------------------------------


def test_our_bluesky_post_keeps_its_likes_and_reposts_and_has_them_read_again(workspace, replay, monkeypatch):
    from tests.channels.replay import FIXTURES

    monkeypatch.setenv("ANIMATEUR_COUNTS_DAYS", "3650")  # the fixture's post is from 2024
    search = json.loads((FIXTURES / "bluesky" / "search.json").read_text())
    found = json.loads(search["body"]) if isinstance(search["body"], str) else search["body"]
    [post] = found["posts"]
    replay.recorded("bluesky", "create_session")
    replay.add("GET", "/xrpc/app.bsky.notification.listNotifications", body={"notifications": []})
    replay.recorded("bluesky", "search")
    later = {**post, "likeCount": 5, "repostCount": 1}
    replay.add("GET", "/xrpc/app.bsky.feed.getPosts", body={"posts": [later]})
    channel = Channel.objects.create(
        workspace=workspace,
        kind="bluesky",
        name="@acme",
        config={"service": replay.base, "handle": "acme.bsky.social", "search": "acme", "did": post["author"]["did"]},
        credentials=json.dumps({"app_password": "abcd-efgh-ijkl-mnop"}),
    )
    run = poll_channel(channel.pk)
    assert run.ok, run.error
    stored = Message.objects.get(channel=channel, external_id=post["uri"])
    assert stored.from_organisation and stored.kind == "post"
    assert stored.reactions == {"like": 2} and stored.share_count == 0  # as the search gave it
    assert not replay.requests("GET", "/xrpc/app.bsky.feed.getPosts")  # just read: not asked again
    Message.objects.filter(pk=stored.pk).update(counts_read_at=None)  # as if half an hour had passed
    assert poll_channel(channel.pk).ok
    stored.refresh_from_db()
    assert stored.reactions == {"like": 5} and stored.share_count == 1
    [asked] = replay.requests("GET", "/xrpc/app.bsky.feed.getPosts")
    assert "uris=at%3A%2F%2F" in asked.query
    assert Message.objects.filter(channel=channel).count() == 1  # read again, never twice


# -- YouTube, on python-youtube's recordings -----------------------------------------------------------------

YOUTUBE = DATA / "apis" / "youtube" / "apidata"


@pytest.mark.skipif(not YOUTUBE.is_dir(), reason="../shared/data/apis/youtube is absent: real answers not replayed")
def test_real_youtube_comments_keep_their_likes(workspace):
    from animateur.channels.connectors import connector_for

    channel = Channel.objects.create(
        workspace=workspace, kind="youtube", name="Acme TV", config={"channel_id": "UCacme"}, credentials="{}"
    )
    connector = connector_for(channel)
    for comment in json.loads((YOUTUBE / "comments" / "comments_multi.json").read_text())["items"]:
        item = connector.normalize(RawItem(comment["id"], None, "comment", comment))
        assert item.counts is not None and item.counts.reactions == {"like": comment["snippet"]["likeCount"]}
        assert item.counts.shares is None  # YouTube counts no shares of a comment

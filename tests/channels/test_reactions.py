"""Reactions and shares read by the connectors whose own tests are shared with other work: Instagram's
likes (the real answers kept by python-facebook's tests), Mastodon's favourites and boosts (Mastodon.py's
recordings), Bluesky's likes and reposts, YouTube's likes (python-youtube's recordings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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

"""Mentions of a LinkedIn organisation page (its social action notifications), replayed by a local
server from answers written to LinkedIn's documentation (fixtures/linkedin/README.md: no recording exists)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.db.models import Q

from animateur.channels.connectors import connector_for
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind, Message

from .test_linkedin import EMPTY, enc

POST = "urn:li:share:7260000000000000050"
ACTIVITY = "urn:li:activity:7260000000000000060"
COMMENT = f"urn:li:comment:({ACTIVITY},7270000000000000001)"


def mentioned_page(workspace, replay):
    channel = Channel.objects.create(
        workspace=workspace,
        kind="linkedin",
        name="Acme sur LinkedIn",
        config={"organization_id": "2414183", "api_url": f"{replay.base}/rest", "read_mentions": True},
        credentials=json.dumps({"access_token": "li-token"}),
    )
    Channel.objects.filter(pk=channel.pk).update(created_at=datetime(2025, 11, 1, tzinfo=UTC))
    channel.refresh_from_db()
    return channel


def serve_mentions(replay):
    replay.add("GET", "/rest/posts", body=EMPTY)
    for name in (
        "notifications",
        "mentioning_post",
        "mentioning_comment",
        "mention_private",
        "person",
        "person_refused",
    ):
        replay.recorded("linkedin", name)


def test_posts_and_comments_that_mention_the_page_arrive_as_mentions_and_one_unreadable_stops_nothing(
    workspace, replay
):
    serve_mentions(replay)
    channel = mentioned_page(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 2, run.error
    assert set(RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True)) == {
        "LinkedIn ne laisse pas la page lire ce qui la mentionne (403)",
        "cet élément LinkedIn n’a pas d’URN",
    }
    [asked] = replay.requests("GET", "/rest/organizationalEntityNotifications")
    assert "q=criteria" in asked.query and "List%28SHARE_MENTION%2CCOMMENT_MENTION%29" in asked.query
    assert enc("urn:li:organization:2414183") in asked.query
    post = Message.objects.get(channel=channel, external_id=POST)
    assert post.kind == Kind.MENTION and post.text == "Merci @Acme pour l’atelier de samedi !"
    assert post.author.display_name == "Léa Martin" and not post.from_organisation
    comment = Message.objects.get(channel=channel, external_id=COMMENT)
    assert comment.kind == Kind.MENTION and comment.text == "@Acme vous livrez en Belgique ?"
    assert comment.parent is None  # its own thread: the post it is under is somebody else's
    for mention in (post, comment):
        assert Conversation.objects.filter(Q(root=mention) | Q(items__message=mention)).exists()

    channel.refresh_from_db()
    assert channel.cursor["mentions"]["time"] == 1764601200000 and "posts" in channel.cursor
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0 and again.rejected == 0, again.error
    assert "start%3A1764601200000" in replay.requests("GET", "/rest/organizationalEntityNotifications")[-1].query


def test_a_mention_is_answered_by_a_comment_under_it(workspace, replay):
    replay.add(
        "POST",
        f"/rest/socialActions/{enc(POST)}/comments",
        201,
        {"commentUrn": "urn:li:comment:(urn:li:activity:1,2)"},
    )
    replay.add(
        "POST",
        f"/rest/socialActions/{enc(COMMENT)}/comments",
        201,
        {"commentUrn": "urn:li:comment:(urn:li:activity:1,3)"},
    )
    connector = connector_for(mentioned_page(workspace, replay))
    on_post = Message(external_id=POST, kind=Kind.MENTION, raw={"commentary": "Merci"})
    assert connector.reply(on_post, "Merci à vous !") == "urn:li:comment:(urn:li:activity:1,2)"
    [sent] = replay.requests("POST", f"/rest/socialActions/{enc(POST)}/comments")
    assert json.loads(sent.body)["object"] == POST and "parentComment" not in json.loads(sent.body)
    in_comment = Message(external_id=COMMENT, kind=Kind.MENTION, raw={"_mention": True, "object": ACTIVITY})
    assert connector.reply(in_comment, "Oui !") == "urn:li:comment:(urn:li:activity:1,3)"
    [sent] = replay.requests("POST", f"/rest/socialActions/{enc(COMMENT)}/comments")
    assert json.loads(sent.body)["parentComment"] == COMMENT and json.loads(sent.body)["object"] == ACTIVITY


def test_a_page_that_does_not_read_its_mentions_asks_nothing_of_the_notifications(workspace, replay):
    replay.add("GET", "/rest/posts", body=EMPTY)
    channel = mentioned_page(workspace, replay)
    Channel.objects.filter(pk=channel.pk).update(config={**channel.config, "read_mentions": False})
    assert poll_channel(channel.pk).ok
    assert not replay.requests("GET", "/rest/organizationalEntityNotifications")

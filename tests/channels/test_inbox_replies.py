"""The inbox answers through the channels: a Mastodon mention is replied to from its conversation page."""

import json
import logging
from urllib.parse import parse_qs

import pytest
from django.db import DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext

from animateur.channels.apps import KIND_LABELS, REPLYING_KINDS
from animateur.channels.connectors import Capability, kinds
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.roles import Role
from animateur.inbox.models import Conversation, State
from animateur.inbox.reply_handlers import REPLY_HANDLERS
from animateur.stream import pipeline
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel

MENTION_ID = "117020577157693549"  # the status of fixtures/mastodon/notifications_mentions.json


def test_every_kind_is_named_for_people_as_its_connector_names_it():
    assert {kind: str(label) for kind, label in KIND_LABELS.items() if kind != "site"} == {
        kind: str(connector.label)
        for kind, connector in kinds().items()
        if connector.__module__.startswith("animateur.")  # not the kinds other tests register
    }


def test_every_kind_whose_connector_can_reply_is_offered_a_reply_in_the_inbox_and_no_other():
    replying = {kind for kind, connector in kinds().items() if Capability.REPLY in connector.capabilities}
    assert set(REPLYING_KINDS) == replying
    registered = set(REPLY_HANDLERS) - {"site"}
    assert registered == replying


def mastodon_mention(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    # Mentioned a minute ago: after the account was connected, so it is work for the team.
    replay.recorded("mastodon", "notifications_mentions", recent=True)
    channel = mastodon_channel(workspace, replay.base)
    assert poll_channel(channel.pk).ok
    return Conversation.objects.get(root__external_id=MENTION_ID, workspace=workspace)


def test_a_moderator_answers_a_mastodon_mention_from_the_inbox_and_the_clock_stops(workspace, replay, client_as):
    conversation = mastodon_mention(workspace, replay)
    assert conversation.channel_kind == "mastodon" and conversation.first_response_at is None
    replay.recorded("mastodon", "post_reply")
    moderator = client_as(workspace, Role.MODERATOR)

    page = moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert 'id="reply-form"' in page and "hello!" in page

    response = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour, merci du message !"})
    assert response.status_code == 302

    posted = replay.requests("POST", "/api/v1/statuses")
    assert len(posted) == 1
    sent = parse_qs(posted[0].body.decode()) if b"=" in posted[0].body else json.loads(posted[0].body)
    assert sent["in_reply_to_id"] in ([MENTION_ID], MENTION_ID)
    assert sent["status"] in (["Bonjour, merci du message !"], "Bonjour, merci du message !")

    answer = Message.objects.get(external_id="117020583258292382")
    mention = Message.objects.get(external_id=MENTION_ID)
    assert answer.from_organisation and answer.parent_id == mention.pk
    assert answer.sent_by_id == moderator.user.pk
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None and conversation.state == State.WAITING
    assert conversation.first_responder_id == moderator.user.pk
    thread = moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert "Bonjour, merci du message !" in thread


def test_a_reply_the_server_refuses_is_not_stored_and_the_moderator_is_told_why(workspace, replay, client_as):
    conversation = mastodon_mention(workspace, replay)
    replay.add("POST", "/api/v1/statuses", 401, {"error": "The access token is invalid"})
    moderator = client_as(workspace, Role.MODERATOR)
    response = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour !"})
    assert response.status_code == 400
    assert "La réponse n’a pas pu être envoyée" in response.content.decode()
    assert not Message.objects.filter(from_organisation=True).exists()
    conversation.refresh_from_db()
    assert conversation.first_response_at is None


def test_a_feed_item_cannot_be_answered_from_here_and_can_be_marked_answered_elsewhere(workspace, replay, client_as):
    replay.add(
        "GET",
        "/feed.xml",
        body="""<?xml version="1.0"?><rss version="2.0"><channel><title>Veille</title>
        <item><title>Acme à Lyon</title><link>https://news.example.org/1</link><guid>1</guid>
        <description>Un article sur Acme.</description></item></channel></rss>""",
    )
    channel = Channel.objects.create(
        workspace=workspace, kind="rss", name="Veille", config={"url": replay.base + "/feed.xml"}
    )
    assert poll_channel(channel.pk).ok
    conversation = Conversation.objects.get(channel_kind="rss", workspace=workspace)
    moderator = client_as(workspace, Role.MODERATOR)
    page = moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert 'id="reply-form"' not in page and 'id="answered-elsewhere"' in page
    assert "Un article sur Acme." in page
    listing = moderator.get("/app/inbox/").content.decode()
    assert "Un article sur Acme." in listing
    assert '<span class="channel channel-rss" title="Flux RSS ou Atom">Veille</span>' in listing


def test_the_inbox_names_each_conversations_channel_without_a_query_per_row(workspace, replay, client_as):
    moderator = client_as(workspace, Role.MODERATOR)
    names = ["Veille presse", "Veille concurrents", "Blog des fans"]
    queries = []
    for n, name in enumerate(names):
        replay.add(
            "GET",
            f"/feed{n}.xml",
            body=f"""<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>
            <item><title>Article {n}</title><link>https://news.example.org/{n}</link><guid>{n}</guid>
            <description>Acme, article {n}.</description></item></channel></rss>""",
        )
        channel = Channel.objects.create(
            workspace=workspace, kind="rss", name=name, config={"url": f"{replay.base}/feed{n}.xml"}
        )
        assert poll_channel(channel.pk).ok
        with CaptureQueriesContext(connection) as captured:
            listing = moderator.get("/app/inbox/").content.decode()
        queries.append(len(captured))
    for name in names:
        assert f'<span class="channel channel-rss" title="Flux RSS ou Atom">{name}</span>' in listing
    assert queries[0] == queries[1] == queries[2], queries  # one row or three: the same queries
    conversation = Conversation.objects.filter(workspace=workspace).select_related("channel").first()
    page = moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert f'<span class="channel channel-rss" title="Flux RSS ou Atom">{conversation.channel.name}</span>' in page


@pytest.mark.django_db(transaction=True)
def test_the_reply_goes_out_while_no_database_transaction_is_open(workspace, replay, client_as):
    conversation = mastodon_mention(workspace, replay)
    ours = connections["default"]  # this thread's connection, read from the server's thread
    during_send: list[bool] = []
    replay.recorded("mastodon", "post_reply").before = lambda: during_send.append(ours.in_atomic_block)
    moderator = client_as(workspace, Role.MODERATOR)
    response = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour !"})
    assert response.status_code == 302
    assert during_send == [False]
    assert Message.objects.filter(from_organisation=True, external_id="117020583258292382").exists()


def test_a_reply_sent_but_not_stored_keeps_its_id_and_the_moderator_is_told_not_to_send_it_again(
    workspace, replay, client_as, monkeypatch, caplog
):
    conversation = mastodon_mention(workspace, replay)
    replay.recorded("mastodon", "post_reply")

    def broken(items):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(pipeline, "run_pipeline", broken)
    moderator = client_as(workspace, Role.MODERATOR)
    with caplog.at_level(logging.ERROR, logger="animateur.channels.actions"):
        response = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour, merci !"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "La réponse a été envoyée mais n’a pas pu être enregistrée ici" in page
    assert "117020583258292382" in page
    assert len(replay.requests("POST", "/api/v1/statuses")) == 1
    assert "117020583258292382" in caplog.text
    kept = RejectedItem.objects.get(channel__kind="mastodon", external_id="117020583258292382")
    assert kept.payload["text"] == "Bonjour, merci !" and kept.payload["in_reply_to"] == MENTION_ID
    assert not Message.objects.filter(from_organisation=True).exists()

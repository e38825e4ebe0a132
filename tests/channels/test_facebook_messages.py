"""A Facebook Page's Messenger conversations and its ratings, over the Graph API, replayed by a local
server: hand-written answers in the documented shape (fixtures/facebook) and, when ../shared/data is
there, the real conversation and message answers kept by the python-facebook SDK's tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db.models import Q

from animateur.channels.connectors import Capability, connector_for
from animateur.channels.errors import PermanentError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.stream.models import Kind, Message

from .test_facebook import EMPTY, PAGE_ID, REAL


def page(workspace, replay, **config):
    channel = Channel.objects.create(
        workspace=workspace,
        kind="facebook",
        name="Acme sur Facebook",
        config={"page_id": PAGE_ID, "graph_url": f"{replay.base}/v21.0", **config},
        credentials=json.dumps({"page_access_token": "page-token"}),
    )
    # The fixtures' messages (November 2026) arrive after the channel was connected: work, not history.
    Channel.objects.filter(pk=channel.pk).update(created_at=datetime(2025, 11, 1, tzinfo=UTC))
    channel.refresh_from_db()
    return channel


def serve_messenger(replay):
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=EMPTY)
    replay.recorded("facebook", "conversations")
    replay.recorded("facebook", "messages_t1")
    replay.recorded("facebook", "messages_t2")


def conversation_of(message):
    return Conversation.objects.filter(Q(root=message) | Q(items__message=message)).distinct().get()


def test_messenger_conversations_arrive_threaded_as_private_messages_and_one_unreadable_stops_nothing(
    workspace, replay
):
    serve_messenger(replay)
    channel = page(workspace, replay, read_messages=True)
    assert Capability.DIRECT in connector_for(channel).capabilities
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 4 and run.rejected == 2, run.error
    reasons = set(RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True))
    assert reasons == {"cette conversation Facebook n’a pas d’identifiant", "ce message Facebook n’a pas de date"}
    question = Message.objects.get(channel=channel, external_id="m_AAA1")
    assert question.kind == Kind.DIRECT and question.author.display_name == "Léa Martin"
    ours = Message.objects.get(channel=channel, external_id="m_AAA2")
    assert ours.from_organisation and ours.parent == question
    thanks = Message.objects.get(channel=channel, external_id="m_AAA3")
    assert thanks.parent == ours and not thanks.from_organisation
    conversation = conversation_of(question)
    assert conversation == conversation_of(thanks) and conversation.message_count == 3
    photo = Message.objects.get(channel=channel, external_id="m_BBB2")
    assert photo.text == "Pièce jointe : une photo"
    assert conversation_of(photo) != conversation  # another person, another conversation
    asked = replay.requests("GET", f"/v21.0/{PAGE_ID}/conversations")[0]
    assert "platform=messenger" in asked.query

    channel.refresh_from_db()
    assert channel.cursor["messages"]["time"] == "2026-11-30T11:20:00+00:00"
    assert channel.cursor["messages"]["threads"]["t_900000000000001"]["chain"][0] == "m_AAA3"
    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0, again.error


def test_a_private_message_is_answered_from_the_inbox_through_the_send_api(workspace, replay, client_as):
    serve_messenger(replay)
    replay.recorded("facebook", "message_sent")
    channel = page(workspace, replay, read_messages=True)
    assert poll_channel(channel.pk).ok
    conversation = conversation_of(Message.objects.get(channel=channel, external_id="m_AAA1"))
    manager = client_as(workspace, Role.MANAGER)
    sent = manager.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Avec plaisir, à samedi !"})
    assert sent.status_code == 302, sent.context and sent.context.get("reply_error")
    [request] = replay.requests("POST", f"/v21.0/{PAGE_ID}/messages")
    assert json.loads(request.body) == {
        "recipient": {"id": "7100000000000001"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Avec plaisir, à samedi !"},
    }
    answer = Message.objects.get(channel=channel, external_id="m_AAA4")
    assert answer.from_organisation and answer.text == "Avec plaisir, à samedi !"


def test_an_answer_after_the_24_hours_is_refused_in_the_managers_words(workspace, replay):
    replay.recorded("facebook", "window_closed")
    connector = connector_for(page(workspace, replay, read_messages=True))
    late = Message(external_id="m_AAA3", kind=Kind.DIRECT, raw={"from": {"id": "7100000000000001"}, "to": {"data": []}})
    with pytest.raises(PermanentError) as refused:
        connector.reply(late, "Bonjour")
    assert refused.value.cause == "forbidden"
    assert "les 24 heures" in str(refused.value) and "répondez-y dans Facebook" in str(refused.value)


def test_a_page_that_does_not_read_its_messages_asks_nothing_of_messenger(workspace, replay):
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=EMPTY)
    channel = page(workspace, replay)
    assert Capability.DIRECT not in connector_for(channel).capabilities
    assert poll_channel(channel.pk).ok
    assert not replay.requests("GET", f"/v21.0/{PAGE_ID}/conversations")


def test_ratings_and_recommendations_arrive_as_reviews_to_answer(workspace, replay):
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=EMPTY)
    replay.recorded("facebook", "ratings")
    replay.add("POST", "/v21.0/1290000000000002/comments", body={"id": "1290000000000002_77"})
    channel = page(workspace, replay, read_ratings=True)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).reason.startswith("cette note Facebook n’a pas d’avis")
    negative = Message.objects.get(channel=channel, external_id="1290000000000002")
    assert negative.title == "Ne recommande pas la page" and negative.author.display_name == "Marc Petit"
    assert negative.text == "Commande arrivée cassée, personne ne répond."
    positive = Message.objects.get(channel=channel, external_id="1290000000000001")
    assert positive.text == positive.title == "Recommande la page"
    assert Conversation.objects.filter(root=negative).exists()
    assert connector_for(channel).reply(negative, "Nous sommes désolés") == "1290000000000002_77"
    channel.refresh_from_db()
    assert channel.cursor["ratings"] == {"time": "2026-11-30T09:00:00+00:00", "ids": ["1290000000000002"]}
    assert "posts" in channel.cursor  # each part keeps its own key
    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0, again.error


# -- the real answers kept by python-facebook's tests -------------------------------------------------

real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_conversations_and_messages_are_stored(workspace, replay):
    conversations = json.loads((REAL / "conversations" / "cvses_info.json").read_text())  # keyed by id (?ids=)
    messages = json.loads((REAL / "messages" / "messages_info.json").read_text())
    replay.add("GET", f"/v21.0/{PAGE_ID}/feed", body=EMPTY)
    replay.add("GET", f"/v21.0/{PAGE_ID}/conversations", body={"data": list(conversations.values()), "paging": {}})
    for conversation in conversations:
        replay.add("GET", f"/v21.0/{conversation}/messages", body={"data": list(messages.values()), "paging": {}})
    # The recorded messages belong to the page "MyLife" (2121008874780932).
    channel = page(workspace, replay, read_messages=True, page_id="2121008874780932")
    replay.routes[0].path = "/v21.0/2121008874780932/feed"
    replay.routes[1].path = "/v21.0/2121008874780932/conversations"
    run = poll_channel(channel.pk)
    # The SDK recorded the same two messages (a photo and a video, no text) under both conversations:
    # stored once each, named by their attachments.
    assert run.ok and run.created == 2 and run.rejected == 0, run.error
    stored = Message.objects.filter(channel=channel).order_by("created_at")
    assert [m.kind for m in stored] == [Kind.DIRECT, Kind.DIRECT]
    assert stored[0].text == "Pièce jointe : une photo" and stored[0].author.display_name == "Kun Liu"
    assert stored[1].text == "Pièce jointe : une vidéo" and not stored[1].from_organisation


def test_messages_turned_on_later_bring_their_past_as_history_not_as_work(workspace, replay, make_user):
    from animateur.channels.actions import do_update_channel

    serve_messenger(replay)
    channel = page(workspace, replay)  # connected in 2025, reading its feed only
    owner = make_user("owner@example.org", workspace, Role.OWNER)
    config = {**channel.config, "read_messages": True}
    do_update_channel(
        channel, channel.name, config, {}, poll_interval_seconds=channel.poll_interval_seconds, actor=owner
    )
    channel.refresh_from_db()
    assert "read_messages" in channel.source_times
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 4, run.error
    # Written before the page's messages were turned on: kept, searchable, but no conversation opened.
    assert not Conversation.objects.filter(channel=channel).exists()

"""An Instagram professional account's direct messages (Instagram Messaging, through its linked Facebook
Page), and Instagram's hashtag search as a listening source, replayed by a local server: hand-written
answers in the documented shape (fixtures/instagram) and, when ../shared/data is there, the real
hashtag answers kept by the python-facebook SDK's tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db.models import Q

from animateur.channels.connectors import Capability, connector_for
from animateur.channels.errors import PermanentError
from animateur.channels.models import Channel, RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.actions import SystemActor
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.listening.actions import do_create_search
from animateur.stream.models import Kind, Message

from .test_instagram import EMPTY, IG_USER, REAL, account

SYSTEM = SystemActor("tests")
PAGE_ID = "104000000000001"
FIRST = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx1"
OURS = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx2"


def serve_messages(replay):
    replay.add("GET", f"/v21.0/{IG_USER}/media", body=EMPTY)
    replay.add("GET", f"/v21.0/{IG_USER}/tags", body=EMPTY)
    replay.recorded("instagram", "conversations")
    replay.recorded("instagram", "messages")


def test_direct_messages_arrive_as_a_conversation_and_are_answered_from_the_inbox(workspace, replay, client_as):
    serve_messages(replay)
    replay.add("POST", f"/v21.0/{PAGE_ID}/messages", body={"recipient_id": "6540000000000001", "message_id": "aWdfNEW"})
    channel = account(workspace, replay, page_id=PAGE_ID, read_messages=True)
    Channel.objects.filter(pk=channel.pk).update(created_at=datetime(2025, 11, 1, tzinfo=UTC))
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 0, run.error
    asked = replay.requests("GET", f"/v21.0/{PAGE_ID}/conversations")[0]
    assert "platform=instagram" in asked.query
    question = Message.objects.get(channel=channel, external_id=FIRST)
    assert question.kind == Kind.DIRECT and question.author.handle == "paul_d" and not question.from_organisation
    ours = Message.objects.get(channel=channel, external_id=OURS)
    assert ours.from_organisation and ours.parent == question
    channel.refresh_from_db()
    # Instagram's list gives its time as a UNIX timestamp: kept as the others, in ISO 8601.
    assert channel.cursor["messages"]["time"] == "2026-12-01T12:00:00+00:00"

    conversation = Conversation.objects.filter(Q(root=question) | Q(items__message=question)).distinct().get()
    manager = client_as(workspace, Role.MANAGER)
    sent = manager.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Il arrive jeudi !"})
    assert sent.status_code == 302
    [request] = replay.requests("POST", f"/v21.0/{PAGE_ID}/messages")
    assert json.loads(request.body)["recipient"] == {"id": "6540000000000001"}
    assert Message.objects.get(channel=channel, external_id="aWdfNEW").from_organisation

    again = poll_channel(channel.pk)
    assert again.ok and again.items == 0, again.error


def test_hide_and_delete_refuse_a_direct_message(workspace, replay):
    connector = connector_for(account(workspace, replay, page_id=PAGE_ID, read_messages=True))
    with pytest.raises(PermanentError):
        connector.hide(Message(external_id=FIRST, kind=Kind.DIRECT, raw={}))


# -- hashtags, heard elsewhere ----------------------------------------------------------------------------


def hashtags(workspace, replay):
    do_create_search(workspace, "Acme", "#acme", actor=SYSTEM)
    return Channel.objects.create(
        workspace=workspace,
        kind="instagram_listen",
        name="Instagram #acme",
        config={"ig_user_id": IG_USER, "graph_url": f"{replay.base}/v21.0"},
        credentials=json.dumps({"access_token": "ig-token"}),
    )


def test_a_hashtags_recent_media_are_heard_elsewhere_and_open_no_conversation(workspace, replay):
    replay.recorded("instagram", "hashtag_search")
    replay.recorded("instagram", "hashtag_recent")
    channel = hashtags(workspace, replay)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 2 and run.rejected == 1, run.error
    assert RejectedItem.objects.get(channel=channel).reason == "ce média Instagram n’a pas d’heure"
    [looked_up] = replay.requests("GET", "/v21.0/ig_hashtag_search")
    assert "q=acme" in looked_up.query and f"user_id={IG_USER}" in looked_up.query
    heard = Message.objects.get(channel=channel, external_id="18088158883149899")
    assert heard.text == "Déçue par la livraison #acme" and heard.url == "https://www.instagram.com/p/C1HEARD1/"
    assert not Conversation.objects.filter(channel=channel).exists()
    channel.refresh_from_db()
    state = channel.cursor["tag:acme"]
    assert state["id"] == "17843826142012701" and state["heard"][0] == "18088158883149900"
    # The hashtag's id is kept: the next poll asks Instagram for its media only, and finds nothing new.
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0, again.error
    assert len(replay.requests("GET", "/v21.0/ig_hashtag_search")) == 1


def test_the_hashtag_source_answers_nothing_at_the_source(workspace, replay):
    connector = connector_for(hashtags(workspace, replay))
    assert connector.capabilities == {Capability.READ}
    with pytest.raises(NotImplementedError):
        connector.reply(Message(external_id="1", kind=Kind.POST, raw={}), "non")


real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/apis/facebook is absent: real answers not replayed")


@real
def test_real_hashtag_answers_undated_are_each_rejected_with_their_reason(workspace, replay):
    replay.add("GET", "/v21.0/ig_hashtag_search", body=json.loads((REAL / "users" / "hashtag_search.json").read_text()))
    recent = json.loads((REAL / "hashtags" / "hashtag_recent_medias_p1.json").read_text())
    replay.add("GET", "/v21.0/17841562426109234/recent_media", body={"data": recent["data"], "paging": {}})
    channel = hashtags(workspace, replay)
    run = poll_channel(channel.pk)
    # The SDK recorded them with fields=id,media_type,comments_count,like_count: no time to date them by.
    assert run.ok and run.created == 0 and run.rejected == len(recent["data"]) == 5, run.error
    assert set(RejectedItem.objects.filter(channel=channel).values_list("reason", flat=True)) == {
        "ce média Instagram n’a pas d’heure"
    }

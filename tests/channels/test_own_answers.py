"""Mastodon reads our own answers back: one sent from the inbox whose storing failed is stored by the next
poll, in its conversation, once.

The server is the replay server with recorded Mastodon answers (fixtures/mastodon): our account's
statuses are the recorded reply (post_reply.json) as our verified account (verify_credentials.json)
wrote it, answering the recorded mention.
"""

import json
from urllib.parse import parse_qs

from django.db import DatabaseError

from animateur.channels.models import RejectedItem
from animateur.channels.runner import poll_channel
from animateur.core.roles import Role
from animateur.inbox.models import Conversation, ConversationItem, State
from animateur.stream import pipeline
from animateur.stream.models import Message
from tests.channels.factories import mastodon_channel
from tests.channels.replay import FIXTURES, shift_to_now

MENTION_ID = "117020577157693549"  # fixtures/mastodon/notifications_mentions.json
ANSWER_ID = "117020583258292382"  # fixtures/mastodon/post_reply.json
EARLIER_ID = "117020500000000000"  # an older status of ours, where the first poll finds our statuses stand


def recorded_body(name: str):
    return json.loads(json.loads((FIXTURES / "mastodon" / f"{name}.json").read_text())["body"])


OUR_ACCOUNT = recorded_body("verify_credentials")
STATUSES = f"/api/v1/accounts/{OUR_ACCOUNT['id']}/statuses"


def ours(status_id: str, in_reply_to: str | None, text: str) -> dict:
    status = recorded_body("post_reply")
    status.update(id=status_id, in_reply_to_id=in_reply_to, content=f"<p>{text}</p>", account=OUR_ACCOUNT)
    return status


def connected_with_a_mention(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "notifications_mentions", recent=True)
    replay.add("GET", "/api/v1/notifications", body=[], query="min_id=21")
    replay.add("GET", STATUSES, body=[ours(EARLIER_ID, None, "Notre annonce d’hier")], query="limit=1")
    channel = mastodon_channel(workspace, replay.base)
    assert poll_channel(channel.pk).ok
    channel.refresh_from_db()
    assert channel.cursor[f"own:{OUR_ACCOUNT['id']}"] == EARLIER_ID  # noted, not stored
    assert not Message.objects.filter(external_id=EARLIER_ID).exists()
    return channel, Conversation.objects.get(root__external_id=MENTION_ID, workspace=workspace)


def test_an_answer_sent_but_not_stored_is_picked_up_by_the_next_poll_in_its_conversation(
    workspace, replay, client_as, monkeypatch
):
    channel, conversation = connected_with_a_mention(workspace, replay)
    replay.recorded("mastodon", "post_reply")
    real_pipeline = pipeline.run_pipeline

    def broken(items):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(pipeline, "run_pipeline", broken)
    moderator = client_as(workspace, Role.MODERATOR)
    response = moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Bonjour, merci !"})
    assert response.status_code == 400 and ANSWER_ID in response.content.decode()
    assert RejectedItem.objects.filter(channel=channel, external_id=ANSWER_ID).exists()
    monkeypatch.setattr(pipeline, "run_pipeline", real_pipeline)

    replay.add(
        "GET",
        STATUSES,
        body=shift_to_now(
            json.dumps(
                [
                    ours(ANSWER_ID, MENTION_ID, "@admin Bonjour, merci !"),
                    ours("117020583258292999", "999", "@someone une réponse ailleurs"),  # to nothing we hold
                ]
            )
        ),
        headers={"content-type": "application/json"},
        query=f"min_id={EARLIER_ID}",
    )
    run = poll_channel(channel.pk)

    assert run.ok and run.created == 1, run.error
    answer = Message.objects.get(channel=channel, external_id=ANSWER_ID)
    assert answer.from_organisation and "Bonjour, merci !" in answer.text
    assert answer.parent.external_id == MENTION_ID
    assert answer.sent_by_id == moderator.user.pk  # who sent it, from what was kept when storing failed
    assert ConversationItem.objects.get(message=answer).conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None and conversation.state == State.WAITING
    assert "Bonjour, merci !" in moderator.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert not Message.objects.filter(external_id="117020583258292999").exists()
    assert not RejectedItem.objects.filter(channel=channel).exists()  # stored now: nothing left to inspect

    # Read again (the server gives the page once more): nothing is duplicated.
    replay.add("GET", STATUSES, body=[ours(ANSWER_ID, MENTION_ID, "@admin Bonjour, merci !")], query="min_id=1")
    channel.refresh_from_db()
    channel.cursor = {**channel.cursor, f"own:{OUR_ACCOUNT['id']}": "1"}
    channel.save()
    again = poll_channel(channel.pk)
    assert again.ok and again.created == 0 and again.updated == 0
    assert ["1"] in [parse_qs(r.query).get("min_id") for r in replay.requests("GET", STATUSES)]
    assert Message.objects.filter(channel=channel, external_id=ANSWER_ID).count() == 1


def test_an_answer_stored_when_sent_is_left_as_it_is_when_read_back(workspace, replay, client_as):
    channel, conversation = connected_with_a_mention(workspace, replay)
    replay.recorded("mastodon", "post_reply")
    moderator = client_as(workspace, Role.MODERATOR)
    assert moderator.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Merci !"}).status_code == 302
    replay.add("GET", STATUSES, body=[ours(ANSWER_ID, MENTION_ID, "@admin Merci ! (vu du serveur)")], query="min_id=")
    run = poll_channel(channel.pk)
    assert run.ok and run.items == 0
    assert [EARLIER_ID] in [parse_qs(r.query).get("min_id") for r in replay.requests("GET", STATUSES)]
    answer = Message.objects.get(channel=channel, external_id=ANSWER_ID)
    assert answer.text == "Merci !" and answer.edited_at is None and answer.previous_versions == []


def test_our_statuses_that_cannot_be_read_never_stop_the_mentions(workspace, replay):
    replay.recorded("mastodon", "verify_credentials")
    replay.recorded("mastodon", "notifications_mentions", recent=True)
    replay.add("GET", STATUSES, status=500, body={"error": "boom"})
    channel = mastodon_channel(workspace, replay.base)
    run = poll_channel(channel.pk)
    assert run.ok and run.created == 1
    channel.refresh_from_db()
    assert channel.cursor == {"mentions": "21"}  # our statuses: tried again next time

"""Events that the platform emits reach a subscribed receiver: each new message received (not the
history a new channel brings), and a channel's failure once per streak, then its recovery."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.channels.actions import do_create_channel
from animateur.channels.runner import poll_channel
from animateur.events.actions import do_create_subscription
from animateur.events.models import Delivery
from tests.conftest import SYSTEM
from tests.moderation.receiver import Receiver


@pytest.fixture
def receiver(private_urls):
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def feed(tmp_path, monkeypatch):
    folder = tmp_path / "imports"
    folder.mkdir()
    monkeypatch.setenv("ANIMATEUR_IMPORT_DIRS", str(folder))
    return folder / "forum.jsonl"


def write_rows(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_each_new_message_is_announced_once_and_history_is_not(workspace, receiver, feed):
    do_create_subscription(workspace, "CRM", receiver.url, ["message.received"], actor=SYSTEM)
    now, old = timezone.now(), timezone.now() - timedelta(days=30)
    write_rows(
        feed,
        [
            {"id": "old", "text": "Un vieux message", "created_at": old.isoformat()},
            {"id": "m1", "text": "Bonjour !", "created_at": now.isoformat(), "author_name": "Aline"},
            {"id": "m2", "text": "Merci", "created_at": now.isoformat(), "parent_id": "m1"},
        ],
    )
    channel = do_create_channel(workspace, "files", "Forum", {"path": str(feed), "format": "jsonl"}, {}, actor=SYSTEM)
    poll_channel(channel.pk)
    announced = sorted(call.json()["data"]["message"]["external_id"] for call in receiver.calls)
    assert announced == ["m1", "m2"]
    first = next(c.json() for c in receiver.calls if c.json()["data"]["message"]["external_id"] == "m1")
    assert first["type"] == "message.received"
    assert first["data"]["message"]["channel"] == {"id": channel.pk, "kind": "files", "name": "Forum"}
    assert first["data"]["message"]["author"]["name"] == "Aline"
    poll_channel(channel.pk)  # nothing new: nothing announced again
    assert len(receiver.calls) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_channel_is_announced_once_per_streak_then_its_recovery(workspace, receiver, feed):
    do_create_subscription(workspace, "Ops", receiver.url, ["channel.failed", "channel.recovered"], actor=SYSTEM)
    channel = do_create_channel(workspace, "files", "Forum", {"path": str(feed), "format": "jsonl"}, {}, actor=SYSTEM)
    poll_channel(channel.pk)  # the file is not there yet
    poll_channel(channel.pk)
    write_rows(feed, [{"id": "m1", "text": "Bonjour", "created_at": timezone.now().isoformat()}])
    poll_channel(channel.pk)
    types = [call.json()["type"] for call in receiver.calls]
    assert types == ["channel.failed", "channel.recovered"]
    failed = receiver.calls[0].json()["data"]
    assert failed["channel"]["name"] == "Forum" and failed["cause"] == "not_found"
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_moderators_decision_is_announced_with_the_visibility_before_and_after(workspace, make_user, receiver):
    from animateur.core.roles import Role
    from animateur.moderation.actions.decisions import do_moderate_messages
    from tests.moderation.factories import post

    do_create_subscription(workspace, "Ops", receiver.url, ["message.moderated"], actor=SYSTEM)
    moderator = make_user("mod@example.org", workspace, Role.MODERATOR)
    message = post(workspace, "Achetez des montres pas chères sur example.biz")
    do_moderate_messages([message], "spam", actor=moderator)
    (call,) = receiver.calls
    data = call.json()["data"]
    assert call.json()["type"] == "message.moderated"
    assert data["message"]["id"] == message.pk
    assert (data["previous_visibility"], data["visibility"]) == (message.visibility, "spam")
    assert data["by"] == f"user:{moderator.pk}"


@pytest.mark.django_db(transaction=True)
def test_a_conversations_life_is_announced_opened_assigned_answered_closed(workspace, make_user, receiver):
    from animateur.core.roles import Role
    from animateur.inbox.actions.conversations import do_update_conversation
    from animateur.inbox.actions.replies import do_mark_answered_elsewhere
    from animateur.inbox.models import Conversation
    from tests.inbox.factories import inbound, post_message

    names = ["conversation.opened", "conversation.assigned", "conversation.answered", "conversation.closed"]
    do_create_subscription(workspace, "CRM", receiver.url, names, actor=SYSTEM)
    lea = make_user("lea@example.org", workspace, Role.MODERATOR)
    root = inbound(workspace, "Une question sur la livraison", parent=post_message(workspace))
    conversation = Conversation.objects.get(root=root)
    do_update_conversation(conversation, assignee=lea, actor=lea)
    do_mark_answered_elsewhere(conversation, actor=lea)
    do_update_conversation(conversation, state="closed", actor=lea)
    bodies = [call.json() for call in receiver.calls]
    assert [b["type"] for b in bodies] == names
    opened, assigned, answered, closed = (b["data"] for b in bodies)
    assert opened["conversation_id"] == conversation.pk and opened["message_id"] == root.pk
    assert opened["url"].endswith(f"/app/inbox/c/{conversation.pk}/")
    assert assigned["assignee"] == "lea@example.org" and assigned["by"] == f"user:{lea.pk}"
    assert answered["elsewhere"] is True
    assert closed["conversation_id"] == conversation.pk

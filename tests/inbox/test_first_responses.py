"""First responses are measurements kept apart from the audit trail; those recorded as audit events
before (`inbox.first_response`) are copied by migration 0006, so the response-time figures keep them."""

from __future__ import annotations

import importlib

from django.apps import apps

from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox import stats
from animateur.inbox.actions.replies import do_reply_conversation
from animateur.inbox.models import Conversation, FirstResponse
from animateur.inbox.selectors import history
from tests.inbox.factories import inbound, post_message

migration = importlib.import_module("animateur.inbox.migrations.0006_first_response")


def test_the_first_responses_recorded_as_audit_events_are_copied_once_each(workspace, make_user):
    manager = make_user("m@example.org", workspace, Role.MANAGER)
    post = post_message(workspace)
    conversation = Conversation.objects.get(root=inbound(workspace, "Une question", parent=post))
    data = {
        "user": manager.pk,
        "channel": "site",
        "seconds": 600,
        "business_seconds": 600,
        "started_at": "2026-12-01T09:00:00+00:00",
    }
    for _ in range(2):  # a duplicate (two events for one conversation) counts once
        AuditEvent.objects.create(
            workspace=workspace,
            actor="user:1",
            verb="inbox.first_response",
            target_type="inbox.conversation",
            target_id=str(conversation.pk),
            data=data,
        )
    AuditEvent.objects.create(  # a conversation deleted since: nothing to attach it to
        workspace=workspace,
        actor="system:inbox",
        verb="inbox.first_response",
        target_type="inbox.conversation",
        target_id="999999",
        data=data,
    )
    migration.copy_first_responses(apps, None)
    copied = FirstResponse.objects.get()
    assert copied.conversation == conversation and copied.data["seconds"] == 600
    assert stats.report(workspace)["overall"].count == 1


def test_the_conversation_history_still_shows_when_the_clock_stopped_and_who_stopped_it(workspace, make_user):
    manager = make_user("m@example.org", workspace, Role.MANAGER, display_name="Mona")
    post = post_message(workspace)
    conversation = Conversation.objects.get(root=inbound(workspace, "Une question", parent=post))
    do_reply_conversation(conversation, "Voici la réponse.", actor=manager)
    lines = [(e.verb, e.actor_user) for e in history(conversation)]
    assert ("inbox.reply", manager) in lines and ("inbox.first_response", manager) in lines

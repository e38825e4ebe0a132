"""Conversations from the stream: opening, reopening, replying through the site, collisions, the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from animateur.core.actions import ActionError
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox import selectors
from animateur.inbox.actions.conversations import (
    do_assign_conversation,
    do_set_conversation_priority,
    do_set_conversation_state,
)
from animateur.inbox.actions.expectations import do_set_response_target
from animateur.inbox.actions.notes import do_add_note
from animateur.inbox.actions.notifications import do_set_notification_preference
from animateur.inbox.actions.replies import ReplyCollision, do_mark_answered_elsewhere, do_reply_conversation
from animateur.inbox.actions.saved_replies import do_save_saved_reply
from animateur.inbox.models import Conversation, FirstResponse, Notification, State
from animateur.inbox.reply_handlers import can_reply
from animateur.inbox.selectors import render_saved_reply
from animateur.stream.models import Message, Visibility
from tests.inbox.factories import inbound, other_channel, post_message


@pytest.fixture
def post(workspace):
    return post_message(workspace)


def test_a_top_level_comment_opens_a_new_conversation_and_replies_in_its_thread_join_it(workspace, post):
    root = inbound(workspace, "Quand ouvrez-vous ?", parent=post)
    conversation = Conversation.objects.get(root=root)
    assert conversation.state == State.NEW and conversation.channel_kind == "site"
    assert conversation.author_name == "Ana" and conversation.preview == "Quand ouvrez-vous ?"
    reply = inbound(workspace, "Je précise : le dimanche", parent=root, email="bob@example.org", name="Bob")
    deeper = inbound(workspace, "Moi aussi", parent=reply, email="cy@example.org", name="Cy")
    conversation.refresh_from_db()
    assert Conversation.objects.count() == 1
    assert conversation.message_count == 3
    assert [m.pk for m in selectors.thread_messages(conversation)] == [root.pk, reply.pk, deeper.pk]


def test_messages_of_other_channels_open_conversations_through_the_same_hook(workspace):
    # A channel kind no connector answers through (the channels app registers those that do).
    feed = other_channel(workspace, "rss")
    mention = inbound(workspace, "@acme votre site est en panne", channel=feed, kind="mention")
    conversation = Conversation.objects.get(root=mention)
    assert conversation.channel_kind == "rss"
    assert not can_reply(conversation)


def test_spam_does_not_open_a_conversation(workspace, post):
    from animateur.channels.site import site_channel
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    run_pipeline(
        [
            Incoming(
                channel=site_channel(workspace),
                external_id="spam1",
                text="cheap pills",
                created_at=timezone.now(),
                author=AuthorInfo(external_id="s@x.org"),
                parent_external_id=post.external_id,
                source_visibility=Visibility.SPAM,
            )
        ]
    )
    assert not Conversation.objects.exists()


def test_replying_from_the_inbox_posts_on_the_site_stops_the_clock_and_waits(workspace, post, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR, display_name="Mo")
    root = inbound(workspace, "Une question", parent=post)
    conversation = Conversation.objects.get(root=root)
    message = do_reply_conversation(conversation, "Bonjour Ana, voici la réponse.", actor=moderator)
    conversation.refresh_from_db()
    assert message.from_organisation and message.visibility == Visibility.VISIBLE
    assert message.parent_id == root.pk and message.sent_by_id == moderator.pk
    assert conversation.state == State.WAITING
    assert conversation.first_response_at == message.created_at and conversation.first_responder == moderator
    assert conversation.message_count == 2
    first = FirstResponse.objects.get(conversation=conversation)
    assert first.data["user"] == moderator.pk and first.data["channel"] == "site"
    # One act, one line in the trail: the reply; the clock's stop is kept as a measurement.
    assert list(AuditEvent.objects.filter(actor_user=moderator).values_list("verb", flat=True)) == ["inbox.reply"]


def test_a_new_inbound_message_reopens_a_waiting_or_closed_conversation(workspace, post, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    root = inbound(workspace, "Une question", parent=post)
    conversation = Conversation.objects.get(root=root)
    do_set_conversation_state(conversation, State.CLOSED, actor=moderator)
    inbound(workspace, "Encore une chose", parent=root)
    conversation.refresh_from_db()
    assert conversation.state == State.OPEN
    assert AuditEvent.objects.filter(verb="inbox.conversation.reopen").count() == 1


def test_a_reply_on_top_of_a_teammates_asks_for_confirmation_and_sends_nothing(workspace, post, make_user):
    ana = make_user("ana@team.org", workspace, Role.MODERATOR)
    bob = make_user("bob@team.org", workspace, Role.MODERATOR)
    conversation = Conversation.objects.get(root=inbound(workspace, "Une question", parent=post))
    seen = conversation.last_message_id
    do_reply_conversation(conversation, "Réponse d'Ana", actor=ana, last_seen_message_id=seen)
    before = Message.objects.count()
    with pytest.raises(ReplyCollision) as caught:
        do_reply_conversation(conversation, "Réponse de Bob", actor=bob, last_seen_message_id=seen)
    assert caught.value.messages[0].text == "Réponse d'Ana"
    assert Message.objects.count() == before
    do_reply_conversation(conversation, "Réponse de Bob", actor=bob, last_seen_message_id=seen, confirmed=True)
    assert Message.objects.count() == before + 1


def test_answered_elsewhere_stops_the_clock_for_channels_that_cannot_reply(workspace, make_user):
    moderator = make_user("mo@example.org", workspace, Role.MODERATOR)
    conversation = Conversation.objects.get(
        root=inbound(workspace, "Mention", channel=other_channel(workspace), kind="mention")
    )
    with pytest.raises(ActionError):
        do_reply_conversation(conversation, "non", actor=moderator)
    do_mark_answered_elsewhere(conversation, actor=moderator)
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None and conversation.answered_elsewhere
    assert FirstResponse.objects.get(conversation=conversation).data["elsewhere"] is True


def test_an_analyst_or_guest_cannot_reply_assign_or_close(workspace, post, make_user):
    conversation = Conversation.objects.get(root=inbound(workspace, "Une question", parent=post))
    for role in (Role.ANALYST, Role.GUEST):
        user = make_user(f"{role}@example.org", workspace, role)
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            do_reply_conversation(conversation, "x", actor=user)
        with pytest.raises(PermissionDenied):
            do_assign_conversation(conversation, user, actor=user)
        with pytest.raises(PermissionDenied):
            do_set_conversation_state(conversation, State.CLOSED, actor=user)
    assert Message.objects.filter(from_organisation=True, kind__in=["comment", "reply"]).count() == 0


def test_assignment_and_mentions_notify_the_teammates_in_app_and_by_email(
    workspace, post, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    ana = make_user("ana@team.org", workspace, Role.MANAGER, display_name="Ana Martin")
    bob = make_user("bob@team.org", workspace, Role.MODERATOR, display_name="Bob")
    conversation = Conversation.objects.get(root=inbound(workspace, "Une question", parent=post))
    with django_capture_on_commit_callbacks(execute=True):
        do_assign_conversation(conversation, bob, actor=ana)
        note = do_add_note(conversation, "@bob peux-tu regarder ? cc @Ana_Martin", actor=bob)
    assert set(note.mentions.all()) == {bob, ana}
    assert Notification.objects.filter(user=bob, kind="assigned").count() == 1
    assert Notification.objects.filter(user=ana, kind="mentioned").count() == 1
    assert not Notification.objects.filter(user=bob, kind="mentioned").exists()  # not for one's own note
    assert {m.to[0] for m in mailoutbox} == {"bob@team.org", "ana@team.org"}


def test_a_digest_user_gets_one_email_later_not_one_per_event(
    workspace, post, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from animateur.inbox.tasks import send_digests

    ana = make_user("ana@team.org", workspace, Role.MANAGER)
    bob = make_user("bob@team.org", workspace, Role.MODERATOR)
    do_set_notification_preference(bob, workspace, "digest", actor=bob)
    for text in ("Un", "Deux"):
        conversation = Conversation.objects.get(root=inbound(workspace, text, parent=post))
        with django_capture_on_commit_callbacks(execute=True):
            do_assign_conversation(conversation, bob, actor=ana)
    assert mailoutbox == []
    assert send_digests.call_local() == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["bob@team.org"]


def test_a_conversation_about_to_miss_its_target_warns_its_assignee_once(workspace, post, make_user):
    from animateur.inbox.tasks import warn_due_soon

    manager = make_user("ana@team.org", workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=20, business_hours=False)
    conversation = Conversation.objects.get(root=inbound(workspace, "Vite", parent=post))
    do_assign_conversation(conversation, manager, actor=manager)
    assert warn_due_soon.call_local() == 1
    assert warn_due_soon.call_local() == 0
    assert Notification.objects.filter(user=manager, kind="due_soon").count() == 1


def test_a_conversation_unassigned_or_reassigned_after_the_selection_does_not_warn_its_former_assignee(
    workspace, post, make_user
):
    from animateur.inbox.tasks import due_for_warning, warn_assignee, warn_due_soon

    ana = make_user("ana@team.org", workspace, Role.MANAGER)
    bob = make_user("bob@team.org", workspace, Role.MODERATOR)
    do_set_response_target(workspace, actor=ana, channel_kind="", priority="", minutes=20, business_hours=False)
    left = Conversation.objects.get(root=inbound(workspace, "Vite", parent=post))
    handed = Conversation.objects.get(root=inbound(workspace, "Vite aussi", parent=post, email="cy@example.org"))
    for conversation in (left, handed):
        do_assign_conversation(conversation, ana, actor=ana)

    now = timezone.now()
    selected = {c.pk: c for c in due_for_warning(now)}
    assert set(selected) == {left.pk, handed.pk} and {c.assignee for c in selected.values()} == {ana}
    # Between the selection and the warning: one is unassigned, the other handed to Bob.
    do_assign_conversation(left, None, actor=ana)
    do_assign_conversation(handed, bob, actor=ana)
    assert [warn_assignee(selected[pk], now) for pk in (left.pk, handed.pk)] == [False, False]
    assert not Notification.objects.filter(kind="due_soon").exists()
    assert Conversation.objects.filter(warned_at__isnull=False).count() == 0

    # The next run judges them again: Bob is warned of his, nobody of the unassigned one.
    assert warn_due_soon.call_local() == 1
    warned = Notification.objects.get(kind="due_soon")
    assert warned.user == bob and warned.conversation_id == handed.pk


def test_a_conversation_closed_after_the_selection_warns_nobody(workspace, post, make_user):
    from animateur.inbox.tasks import due_for_warning, warn_assignee

    ana = make_user("ana@team.org", workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=ana, channel_kind="", priority="", minutes=20, business_hours=False)
    conversation = Conversation.objects.get(root=inbound(workspace, "Vite", parent=post))
    do_assign_conversation(conversation, ana, actor=ana)
    now = timezone.now()
    [selected] = due_for_warning(now)
    do_set_conversation_state(conversation, State.CLOSED, actor=ana)
    assert warn_assignee(selected, now) is False
    assert not Notification.objects.filter(kind="due_soon").exists()


def test_the_due_time_follows_the_most_specific_target(workspace, post, make_user):
    manager = make_user("ana@team.org", workspace, Role.MANAGER)
    do_set_response_target(workspace, actor=manager, channel_kind="", priority="", minutes=600, business_hours=False)
    do_set_response_target(
        workspace, actor=manager, channel_kind="site", priority="urgent", minutes=30, business_hours=False
    )
    conversation = Conversation.objects.get(root=inbound(workspace, "Vite", parent=post))
    assert conversation.due_at - conversation.started_at == timedelta(minutes=600)
    do_set_conversation_priority(conversation, "urgent", actor=manager)
    conversation.refresh_from_db()
    assert conversation.due_at - conversation.started_at == timedelta(minutes=30)


def test_saved_replies_fill_the_members_the_workspaces_and_the_agents_names(workspace, post, make_user):
    manager = make_user("ana@team.org", workspace, Role.MANAGER, display_name="Ana")
    reply = do_save_saved_reply(
        workspace,
        actor=manager,
        title="Merci",
        body="Bonjour {member_name}, merci ! {agent_name} pour {workspace_name}",
    )
    conversation = Conversation.objects.get(root=inbound(workspace, "Q", parent=post, name="Zoé"))
    assert render_saved_reply(reply, conversation, manager) == "Bonjour Zoé, merci ! Ana pour Acme"
    with pytest.raises(ActionError):
        do_save_saved_reply(workspace, actor=manager, title="x", body="Bonjour {nom}")

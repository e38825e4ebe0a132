"""How to call the actions of the inbox: conversations, replies, notes and labels, saved replies,
views, response-time expectations and notifications."""

from __future__ import annotations

from datetime import date

from animateur.core.models import Membership, Workspace
from animateur.core.roles import Role
from animateur.inbox.actions.conversations import (
    do_assign_conversation,
    do_bulk_conversations,
    do_set_conversation_priority,
    do_set_conversation_state,
    do_update_conversation,
)
from animateur.inbox.actions.expectations import (
    do_add_holiday,
    do_delete_holiday,
    do_delete_response_target,
    do_set_business_hours,
    do_set_response_target,
)
from animateur.inbox.actions.labels import do_create_label, do_set_conversation_labels
from animateur.inbox.actions.notes import do_add_note
from animateur.inbox.actions.notifications import do_mark_notifications_read, do_set_notification_preference
from animateur.inbox.actions.replies import do_mark_answered_elsewhere, do_reply_conversation
from animateur.inbox.actions.saved_replies import do_delete_saved_reply, do_save_saved_reply
from animateur.inbox.actions.saved_views import do_delete_view, do_save_view
from animateur.inbox.models import Conversation, Notification
from tests.action_walk.registry import Call, World, case


def _conversation(w: World) -> Conversation:
    """A member's comment on the site, which opens a conversation (the pipeline's own events come first)."""
    return Conversation.objects.get(root=w.message("Bonjour, une question sur l'adhésion ?"))


@case("do_assign_conversation")
def _assign(w: World) -> Call:
    conversation = _conversation(w)
    moderator = w.make_user("mod@example.org", w.workspace, Role.MODERATOR)
    return lambda: do_assign_conversation(conversation, moderator, actor=w.owner)


@case("do_set_conversation_state")
def _state(w: World) -> Call:
    conversation = _conversation(w)
    return lambda: do_set_conversation_state(conversation, "closed", actor=w.owner)


@case("do_set_conversation_priority")
def _priority(w: World) -> Call:
    conversation = _conversation(w)
    return lambda: do_set_conversation_priority(conversation, "high", actor=w.owner)


@case("do_update_conversation")
def _update(w: World) -> Call:
    conversation = _conversation(w)
    return lambda: do_update_conversation(conversation, actor=w.owner, assignee=w.owner, priority="low")


@case("do_set_conversation_labels")
def _labels(w: World) -> Call:
    conversation = _conversation(w)
    label = do_create_label(w.workspace, "adhésion", actor=w.owner)
    return lambda: do_set_conversation_labels(conversation, [label], actor=w.owner)


@case("do_bulk_conversations")
def _bulk(w: World) -> Call:
    # Several conversations at once are still one act of one person: one audit event.
    conversations = [_conversation(w), _conversation(w)]
    return lambda: do_bulk_conversations(w.workspace, conversations, "close", actor=w.owner)


@case("do_create_label")
def _create_label(w: World) -> Call:
    return lambda: do_create_label(w.workspace, "trolls", actor=w.owner, color="#aa0000")


@case("do_add_note")
def _note(w: World) -> Call:
    conversation = _conversation(w)
    w.make_user("camille@example.org", w.workspace, Role.MODERATOR, display_name="Camille")
    return lambda: do_add_note(conversation, "@camille tu peux regarder ?", actor=w.owner)


@case("do_reply_conversation")
def _reply(w: World) -> Call:
    # The first answer also stops the response clock: still one audit event, the reply's.
    conversation = _conversation(w)
    return lambda: do_reply_conversation(conversation, "Bonjour, voici la réponse.", actor=w.owner)


@case("do_mark_answered_elsewhere")
def _answered_elsewhere(w: World) -> Call:
    conversation = _conversation(w)
    return lambda: do_mark_answered_elsewhere(conversation, actor=w.owner)


@case("do_save_saved_reply")
def _save_saved_reply(w: World) -> Call:
    return lambda: do_save_saved_reply(
        w.workspace, actor=w.owner, title="Merci", body="Merci {member_name} !", language="fr"
    )


@case("do_delete_saved_reply")
def _delete_saved_reply(w: World) -> Call:
    reply = do_save_saved_reply(w.workspace, actor=w.owner, title="Merci", body="Merci !")
    return lambda: do_delete_saved_reply(reply, actor=w.owner)


@case("do_save_view")
def _save_view(w: World) -> Call:
    return lambda: do_save_view(w.workspace, "Urgent", {"priority": "high"}, actor=w.owner, shared=True)


@case("do_delete_view")
def _delete_view(w: World) -> Call:
    view = do_save_view(w.workspace, "Les miennes", {"mine": "1"}, actor=w.owner)
    return lambda: do_delete_view(view, actor=w.owner)


@case("do_set_response_target")
def _set_target(w: World) -> Call:
    _conversation(w)
    return lambda: do_set_response_target(w.workspace, actor=w.owner, channel_kind="site", priority="", minutes=90)


@case("do_delete_response_target")
def _delete_target(w: World) -> Call:
    target = do_set_response_target(w.workspace, actor=w.owner, channel_kind="site", priority="", minutes=90)
    return lambda: do_delete_response_target(target, actor=w.owner)


@case("do_set_business_hours")
def _business_hours(w: World) -> Call:
    hours = {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]}
    return lambda: do_set_business_hours(w.workspace, hours, actor=w.owner)


@case("do_add_holiday")
def _add_holiday(w: World) -> Call:
    return lambda: do_add_holiday(w.workspace, date(2026, 12, 25), "Noël", actor=w.owner)


@case("do_delete_holiday")
def _delete_holiday(w: World) -> Call:
    holiday = do_add_holiday(w.workspace, date(2026, 12, 25), "Noël", actor=w.owner)
    return lambda: do_delete_holiday(holiday, actor=w.owner)


@case("do_set_notification_preference")
def _notification_preference(w: World) -> Call:
    # A member of two workspaces changes a choice that is theirs everywhere: one event, where they made it.
    other = Workspace.objects.create(slug="autre", name="Autre")
    Membership.objects.create(user=w.owner, workspace=other, role=Role.MODERATOR)
    return lambda: do_set_notification_preference(w.owner, w.workspace, "digest", actor=w.owner)


@case("do_mark_notifications_read")
def _notifications_read(w: World) -> Call:
    conversation = _conversation(w)
    Notification.objects.create(
        workspace=w.workspace, user=w.owner, conversation=conversation, kind="mentioned", text="@olivia"
    )
    return lambda: do_mark_notifications_read(w.owner, w.workspace, actor=w.owner)


@case("do_pull_into_inbox")
def _pull_heard(w: World) -> Call:
    """A post a listening source heard elsewhere (it opened no conversation), brought in by a crisis room."""
    from django.utils import timezone

    from animateur.channels.models import Channel
    from animateur.inbox.actions.heard import do_pull_into_inbox
    from animateur.stream.items import AuthorInfo, Incoming
    from animateur.stream.pipeline import run_pipeline

    channel = Channel.objects.create(
        workspace=w.workspace, kind="bluesky_listen", name="Bluesky (écoute)", config={"handle": "acme.example"}
    )
    item = Incoming(
        channel=channel,
        external_id="at://did:plc:walk/app.bsky.feed.post/1",
        text="Acme a encore augmenté ses tarifs",
        created_at=timezone.now(),
        author=AuthorInfo(external_id="did:plc:walk", display_name="Paul", handle="@paul.example"),
        kind="post",
        language="fr",
    )
    message = run_pipeline([item]).created[0]
    return lambda: do_pull_into_inbox(message, actor=w.owner, why={"crisis": 1})

"""A comment on a YouTube video and on a Facebook Page: it arrives with its author and thread, is answered
from the inbox, and rejected from moderation reaches the source, through the real actions."""

from __future__ import annotations

import json

from animateur.channels.actions import do_reply_to_message
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation import sources
from animateur.stream.models import Kind, Message, Visibility

from .test_facebook import PAGE_ID, serve_page
from .test_facebook import page as facebook_page
from .test_youtube import serve_threads, youtube


def test_a_youtube_comment_is_answered_from_the_inbox_and_held_at_the_source_when_rejected(
    workspace, replay, make_user, client_as, django_capture_on_commit_callbacks
):
    serve_threads(replay)
    replay.recorded("youtube", "comment_inserted")
    replay.add("POST", "/youtube/v3/comments/setModerationStatus", 204, "")
    channel = youtube(workspace, replay, token="owner-token")
    assert poll_channel(channel.pk).ok
    question = Message.objects.get(channel=channel, external_id="UgzNewest")
    assert question.author.display_name == "Léa Martin"
    manager = make_user("manager@example.org", workspace)

    answer = do_reply_to_message(question, "Merci Léa !", actor=manager)
    assert answer.external_id == "UgzNewest.r2" and answer.parent == question and answer.kind == Kind.REPLY

    moderator = client_as(workspace, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(f"/app/moderation/messages/{question.pk}/decide/", {"decision": "reject"})
    question.refresh_from_db()
    assert question.visibility == Visibility.HIDDEN
    [asked] = replay.requests("POST", "/youtube/v3/comments/setModerationStatus")
    assert asked.query == "id=UgzNewest&moderationStatus=heldForReview"
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(question.pk)).exists()


def test_a_facebook_comment_is_answered_from_the_inbox_and_hidden_on_the_page_when_rejected(
    workspace, replay, make_user, client_as, django_capture_on_commit_callbacks
):
    serve_page(replay)
    replay.add("POST", "/v21.0/2002_3001/comments", body={"id": "2002_3005"})
    replay.add("POST", "/v21.0/2002_3001", body={"success": True})
    channel = facebook_page(workspace, replay)
    assert poll_channel(channel.pk).ok
    question = Message.objects.get(channel=channel, external_id="2002_3001")
    assert question.author.display_name == "Léa Martin" and question.parent.external_id == f"{PAGE_ID}_2002"
    manager = make_user("manager@example.org", workspace)

    answer = do_reply_to_message(question, "Merci !", actor=manager)
    assert answer.external_id == "2002_3005" and answer.parent == question
    assert json.loads(replay.requests("POST", "/v21.0/2002_3001/comments")[0].body) == {"message": "Merci !"}

    moderator = client_as(workspace, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(f"/app/moderation/messages/{question.pk}/decide/", {"decision": "reject"})
    assert [json.loads(r.body) for r in replay.requests("POST", "/v21.0/2002_3001")] == [{"is_hidden": True}]
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(question.pk)).exists()

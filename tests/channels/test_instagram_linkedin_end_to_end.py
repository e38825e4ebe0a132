"""Done means (issue 18): a comment on an Instagram media and on a LinkedIn post each arrives with its
author and thread, is answered from the inbox, and rejected from the moderation queue is hidden: at
the source on Instagram; here only on LinkedIn, whose API cannot hide a comment (moderation says so)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

from django.db.models import Q

from animateur.channels.models import Channel
from animateur.channels.runner import poll_channel
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.models import Conversation
from animateur.moderation import sources
from animateur.stream.models import Kind, Message, Visibility

from .test_instagram import MEDIA, account, serve_account
from .test_linkedin import ACTIVITY, EMPTY, LEA, SHARE, page


def connected_before_the_recorded_comments(channel: Channel) -> Channel:
    """The fixtures' comments (November 2025 and 2026) arrive after the channel was connected: work, not history."""
    Channel.objects.filter(pk=channel.pk).update(created_at=datetime(2025, 11, 1, tzinfo=UTC))
    channel.refresh_from_db()
    return channel


def test_an_instagram_comment_is_answered_from_the_inbox_and_hidden_on_instagram_when_rejected(
    workspace, replay, client_as, django_capture_on_commit_callbacks
):
    serve_account(replay)
    replay.add("POST", "/v21.0/17850000000000004/replies", body={"id": "17850000000000005"})
    replay.add("POST", "/v21.0/17850000000000004", body={"success": True})
    channel = connected_before_the_recorded_comments(account(workspace, replay))
    assert poll_channel(channel.pk).ok
    question = Message.objects.get(channel=channel, external_id="17850000000000004")
    assert question.author.display_name == "paul_d" and question.parent.external_id == MEDIA
    conversation = Conversation.objects.filter(Q(root=question) | Q(items__message=question)).distinct().get()
    manager = client_as(workspace, Role.MANAGER)
    page_html = manager.get(f"/app/inbox/c/{conversation.pk}/").content.decode()
    assert 'id="reply-form"' in page_html and "Et en bleu ?" in page_html

    sent_reply = manager.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Oui, en bleu marine !"})
    assert sent_reply.status_code == 302, sent_reply.context["reply_error"]
    answer = Message.objects.get(channel=channel, external_id="17850000000000005")
    assert answer.parent == question and answer.kind == Kind.REPLY and answer.from_organisation
    [sent] = replay.requests("POST", "/v21.0/17850000000000004/replies")
    assert json.loads(sent.body) == {"message": "Oui, en bleu marine !"}

    moderator = client_as(workspace, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(f"/app/moderation/messages/{question.pk}/decide/", {"decision": "reject"})
    question.refresh_from_db()
    assert question.visibility == Visibility.HIDDEN
    assert [json.loads(r.body) for r in replay.requests("POST", "/v21.0/17850000000000004")] == [{"hide": True}]
    assert AuditEvent.objects.filter(verb=sources.DONE, target_id=str(question.pk)).exists()


def test_a_linkedin_comment_is_answered_from_the_inbox_and_hidden_here_when_rejected(
    workspace, replay, client_as, django_capture_on_commit_callbacks
):
    for name in ("posts", "comments", "person", "person_refused"):
        replay.recorded("linkedin", name)
    # Léa's comment not answered yet: the page's answer (fixtures/linkedin/replies.json) is left out.
    replay.add("GET", f"/rest/socialActions/{quote(LEA, safe='')}/comments", body=EMPTY)
    replay.add(
        "GET", f"/rest/socialActions/{quote('urn:li:ugcPost:7250000000000000001', safe='')}/comments", body=EMPTY
    )
    replay.recorded("linkedin", "comment_created")
    channel = connected_before_the_recorded_comments(page(workspace, replay))
    assert poll_channel(channel.pk).ok
    question = Message.objects.get(channel=channel, external_id=LEA)
    assert question.author.display_name == "Léa Martin" and question.parent.external_id == SHARE
    conversation = Conversation.objects.filter(Q(root=question) | Q(items__message=question)).distinct().get()
    manager = client_as(workspace, Role.MANAGER)
    assert manager.post(f"/app/inbox/c/{conversation.pk}/reply/", {"text": "Avec plaisir !"}).status_code == 302
    answer = Message.objects.get(channel=channel, external_id=f"urn:li:comment:({ACTIVITY},7260000000000000004)")
    assert answer.parent == question and answer.kind == Kind.REPLY
    [sent] = replay.requests("POST", f"/rest/socialActions/{quote(LEA, safe='')}/comments")
    assert json.loads(sent.body)["parentComment"] == LEA
    assert json.loads(sent.body)["actor"] == "urn:li:organization:2414183"

    moderator = client_as(workspace, Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(f"/app/moderation/messages/{question.pk}/decide/", {"decision": "reject"})
    question.refresh_from_db()
    assert question.visibility == Visibility.HIDDEN
    assert AuditEvent.objects.filter(verb=sources.LOCAL_ONLY, target_id=str(question.pk)).exists()
    assert not [r for r in replay.received if r.method in ("DELETE", "PATCH")]  # nothing deleted at LinkedIn

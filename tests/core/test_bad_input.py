"""The bad input issue 12 named: each answered with a 4xx (or refused and redirected), nothing changed.

The walk over every view (test_bad_input_walk) looks for any 500; these say what a person sees
for the cases that were found, and that nothing was written.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from animateur.core.actions import SystemActor
from animateur.core.ids import MAX_ID, parse_id, parse_ids
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.inbox.models import Conversation, SavedReply
from animateur.moderation.actions.words import do_add_watched_word
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Message, Visibility
from tests.inbox.factories import inbound, post_message

HUGE = "9" * 30


@pytest.fixture
def owner(workspace, client_as) -> Client:
    return client_as(workspace, Role.OWNER)


@pytest.fixture
def held(workspace) -> Message:
    """A comment held for review by a watched word: on the queue and on the comments page."""
    do_add_watched_word(workspace, "zut", "require_approval", actor=SystemActor("tests"))
    message = inbound(workspace, "Zut, une question", parent=post_message(workspace))
    assert message.visibility == Visibility.PENDING
    return message


def test_ids_from_requests_are_positive_numbers_that_a_key_can_hold():
    assert parse_id("12") == 12 and parse_id(" 12 ") == 12 and parse_id(7) == 7
    assert parse_id(str(MAX_ID)) == MAX_ID
    for bad in (HUGE, str(MAX_ID + 1), "-1", "0", "x1", "1.5", "١٢", "", None, True, "1\x00", 10**30):
        assert parse_id(bad) is None, bad
    assert parse_ids(["3", HUGE, "abc", "4"]) == [3, 4]


def test_a_thirty_digit_id_in_the_inbox_bulk_action_changes_nothing(workspace, owner):
    root = inbound(workspace, "Une question", parent=post_message(workspace))
    conversation = Conversation.objects.get(root=root)
    events = AuditEvent.objects.count()
    response = owner.post("/app/inbox/bulk/", {"ids": [HUGE], "operation": "close"})
    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert Conversation.objects.get(pk=conversation.pk).state == conversation.state
    assert AuditEvent.objects.count() == events


def test_a_thirty_digit_id_in_the_moderation_decision_is_no_item(workspace, owner, held):
    for data in ({"item": HUGE, "decision": "approve"}, {"one": f"approve:{HUGE}"}):
        response = owner.post("/app/moderation/decide/", data)
        assert response.status_code == 302
        assert {m.level_tag for m in get_messages(response.wsgi_request)} == {"error"}
    assert ReviewItem.objects.get(message=held).status == "pending"
    assert Message.objects.get(pk=held.pk).visibility == Visibility.PENDING


def test_a_thirty_digit_id_in_the_comments_bulk_action_is_no_such_comment(workspace, owner, held):
    assert owner.post("/app/space/comments/bulk/", {"ids": [HUGE], "action": "visible"}).status_code == 404
    assert owner.post("/app/space/comments/bulk/", {"one": f"{HUGE}:visible"}).status_code == 404
    assert Message.objects.get(pk=held.pk).visibility == Visibility.PENDING


def test_a_lone_surrogate_in_an_api_reply_is_refused_with_400_and_nothing_is_sent(workspace, make_user):
    from animateur.api.actions import do_create_api_token

    user = make_user("owner@a.org", workspace, Role.OWNER)
    _token, key = do_create_api_token(workspace, user, "t", actor=user)
    conversation = Conversation.objects.get(root=inbound(workspace, "Question", parent=post_message(workspace)))
    messages = Message.objects.count()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    for text in ('"a\\ud800b"', '"a\\udc00"', '"a\\u0000b"'):
        response = api.post(
            f"/api/inbox/conversations/{conversation.pk}/reply",
            data='{"text": ' + text + "}",
            content_type="application/json",
        )
        assert response.status_code == 400, text
        assert "NUL" in json.loads(response.content)["detail"]
    assert Message.objects.count() == messages
    # A character outside the basic plane written as a surrogate pair is a character like any other.
    response = api.post(
        f"/api/inbox/conversations/{conversation.pk}/reply",
        data='{"text": "Merci \\ud83d\\ude00"}',
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Message.objects.filter(text="Merci 😀").exists()


def test_a_nul_byte_in_a_form_or_a_query_string_is_refused_with_400_naming_it(workspace, owner):
    response = owner.post("/app/inbox/replies/save/", {"title": "Salut\x00", "body": "b"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not SavedReply.objects.filter(workspace=workspace).exists()
    assert owner.get("/app/inbox/", {"q": "a\x00b"}).status_code == 400
    assert owner.get("/app/invitations/a%00b/").status_code == 400


def test_a_rule_ordered_past_what_the_column_holds_is_refused_by_name(workspace, make_user):
    from animateur.core.actions import ActionError
    from animateur.moderation.actions.rules import do_save_rule
    from animateur.moderation.models import Rule

    owner = make_user("owner@a.org", workspace, Role.OWNER)
    rule = {
        "name": "Liens",
        "conditions": [{"field": "links", "op": "gte", "value": "1"}],
        "actions": [{"type": "hold"}],
    }
    with pytest.raises(ActionError, match="2147483647"):
        do_save_rule(workspace, {**rule, "position": HUGE}, actor=owner)
    assert not Rule.objects.filter(workspace=workspace).exists()
    assert do_save_rule(workspace, {**rule, "position": "2147483647"}, actor=owner).position == 2**31 - 1

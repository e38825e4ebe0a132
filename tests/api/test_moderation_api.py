"""The moderation API: the queue as its page shows it, the page's decisions through moderation's actions."""

from __future__ import annotations

import pytest
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.core.actions import SystemActor
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.models import ReviewItem
from animateur.stream.models import Visibility
from tests.moderation.factories import post

SYSTEM = SystemActor("tests")


def bearer(workspace, user):
    _token, key = do_create_api_token(workspace, user, "t", actor=SYSTEM)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def held(workspace):
    """A first comment on the site, held for review, and the item that holds it."""
    message = post(workspace, "Bonjour, première visite ici", email="ana@example.org")
    return ReviewItem.objects.get(message=message)


@pytest.fixture
def moderator(workspace, make_user):
    return bearer(workspace, make_user("mod@a.org", workspace, Role.MODERATOR))


def test_a_held_comment_is_listed_with_its_reason_in_words_and_as_a_code(held, moderator):
    body = Client().get("/api/moderation/queue", **moderator).json()
    assert body["open_count"] == 1 and body["has_more"] is False
    [item] = body["items"]
    assert item["id"] == held.pk and item["status"] == "pending"
    assert item["message"]["id"] == held.message_id
    assert item["message"]["excerpt"] == "Bonjour, première visite ici"
    assert item["message"]["channel_kind"] == "site" and item["message"]["visibility"] == "pending"
    [reason] = [r for r in item["reasons"] if r["kind"] == "first-comment"]
    assert reason["label"] == "Premier commentaire"
    assert reason["detail"] == "first comment from this author"
    assert reason["detail_text"] == "premier commentaire de cet auteur"
    assert item["spam"] is not None and 0 <= item["spam"] <= 1
    assert {"reason": "first-comment", "label": "Premier commentaire", "count": 1} in body["reasons"]
    assert body["decisions"] == ["approve", "reject", "spam", "delete", "escalate"]


def test_the_queue_filters_by_reason_and_status_as_the_page_does(workspace, held, moderator):
    do_save_rule(
        workspace,
        {"name": "Liens", "conditions": [{"field": "links", "op": "gte", "value": "1"}], "actions": [{"type": "hold"}]},
        actor=SYSTEM,
    )
    linked = ReviewItem.objects.get(message=post(workspace, "Voyez https://exemple.fr", email="b@example.org"))
    client = Client()
    rules = client.get("/api/moderation/queue?reason=rule", **moderator).json()["items"]
    assert [i["id"] for i in rules] == [linked.pk]
    [rule] = [r for r in rules[0]["reasons"] if r["kind"] == "rule"]
    assert rule["detail"] == "Liens" and rule["action"] == "hold" and rule["action_label"] == "retenir"
    assert client.get("/api/moderation/queue?status=done", **moderator).json()["items"] == []
    wrong = client.get("/api/moderation/queue?status=later", **moderator)
    assert wrong.status_code == 400 and wrong.json()["detail"].startswith("Statut inconnu : « later »")
    assert client.get("/api/moderation/queue?page=0", **moderator).status_code == 400


def test_hiding_an_item_hides_the_message_resolves_it_and_records_one_audit_event(
    held, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    delivered = []
    monkeypatch.setattr("animateur.core.events._deliver", delivered.extend)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/api/moderation/items/{held.pk}/decide",
            {"decision": "hide"},
            content_type="application/json",
            **moderator,
        )
    [event] = [e for e in delivered if e.type.name == "message.moderated"]
    assert (event.data["previous_visibility"], event.data["visibility"]) == ("pending", "hidden")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "reject" and body["count"] == 1
    assert body["item"]["status"] == "rejected" and body["item"]["resolved_by"] == "mod@a.org"
    held.refresh_from_db()
    held.message.refresh_from_db()
    assert held.status == ReviewItem.Status.REJECTED and held.message.visibility == Visibility.HIDDEN
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("id").verb == "moderation.reject"
    decided = Client().get("/api/moderation/queue?status=done", **moderator).json()["items"]
    assert [i["id"] for i in decided] == [held.pk]


def test_publishing_an_item_makes_the_message_visible(held, moderator):
    response = Client().post(
        f"/api/moderation/items/{held.pk}/decide", {"decision": "publish"}, content_type="application/json", **moderator
    )
    assert response.status_code == 200 and response.json()["decision"] == "approve"
    held.message.refresh_from_db()
    assert held.message.visibility == Visibility.VISIBLE
    assert Client().get("/api/moderation/queue", **moderator).json()["items"] == []


def test_an_unknown_decision_is_refused_by_name_and_changes_nothing(held, moderator):
    before = AuditEvent.objects.count()
    response = Client().post(
        f"/api/moderation/items/{held.pk}/decide", {"decision": "snooze"}, content_type="application/json", **moderator
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Décision inconnue : « snooze ». Décisions possibles : approve")
    assert response.json()["code"] == "decision"
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.PENDING and AuditEvent.objects.count() == before


def test_a_moderator_of_another_workspace_neither_sees_nor_decides_the_item(held, make_workspace, make_user):
    other = make_workspace("other", "Other")
    stranger = bearer(other, make_user("mod@b.org", other, Role.MODERATOR))
    client = Client()
    assert client.get("/api/moderation/queue", **stranger).json()["items"] == []
    response = client.post(
        f"/api/moderation/items/{held.pk}/decide", {"decision": "approve"}, content_type="application/json", **stranger
    )
    assert response.status_code == 404
    assert client.get(f"/api/moderation/items/{held.pk}", **stranger).status_code == 404
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.PENDING


def test_an_analyst_may_not_decide_and_absurd_ids_are_not_found(workspace, held, make_user, moderator):
    analyst = bearer(workspace, make_user("an@a.org", workspace, Role.ANALYST))
    client = Client()
    refused = client.post(
        f"/api/moderation/items/{held.pk}/decide", {"decision": "approve"}, content_type="application/json", **analyst
    )
    assert refused.status_code == 403
    assert client.get("/api/moderation/queue", **analyst).status_code == 403
    for item_id in ("0", "99999999999999999999999", "-3", "abc", "1e3"):
        response = client.post(
            f"/api/moderation/items/{item_id}/decide",
            {"decision": "approve"},
            content_type="application/json",
            **moderator,
        )
        assert response.status_code in (400, 404), (item_id, response.status_code)
    held.refresh_from_db()
    assert held.status == ReviewItem.Status.PENDING

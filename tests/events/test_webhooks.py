"""Webhooks of domain events, end to end against a real local HTTP server: signed deliveries, retries
through a 500 and a timeout, the pause after repeated failures (with the managers told), replay."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client

from animateur.api.actions import do_create_api_token
from animateur.channels import signed_post
from animateur.core.events import EVENT_TYPES, emit
from animateur.core.models import AuditEvent
from animateur.core.roles import Role
from animateur.events import webhooks
from animateur.events.actions import do_create_subscription
from animateur.events.models import Delivery, Subscription
from tests.conftest import SYSTEM
from tests.moderation.receiver import Receiver

EVENT_DATA = {"channel": {"id": 1, "kind": "rss", "name": "Blog"}, "cause": "timeout", "error": "no answer"}


@pytest.fixture
def receiver(private_urls):
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def owner(workspace, make_user):
    return make_user("owner@example.org", workspace, Role.OWNER)


def emit_committed(workspace, name="channel.failed", data=None):
    """An event emitted by a change that commits, as actions do."""
    with transaction.atomic():
        emit(workspace, name, data or EVENT_DATA)
    # Under the test's transaction nothing commits: run what on_commit queued, and what that queued.
    while connection.run_on_commit:
        _savepoint, callback, _robust = connection.run_on_commit.pop(0)
        callback()


def verified(call, secret):
    expected = "sha256=" + hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(call.headers["x-animateur-signature"], expected)


def test_an_owner_subscribes_on_the_page_and_sees_the_secret_once(workspace, owner, receiver):
    client = Client()
    client.force_login(owner)
    page = client.post(
        "/app/webhooks/", {"name": "CRM", "url": receiver.url, "events": ["channel.failed", "conversation.opened"]}
    )
    assert page.status_code == 200
    subscription = Subscription.objects.get(workspace=workspace)
    secret = page.context["secret"]
    assert secret and secret in page.content.decode()
    assert subscription.secret == secret
    with connection.cursor() as cursor:  # stored encrypted, never as typed
        cursor.execute("SELECT secret FROM events_subscription WHERE id = %s", [subscription.pk])
        assert secret not in cursor.fetchone()[0]
    assert secret not in client.get(f"/app/webhooks/{subscription.pk}/").content.decode()
    assert AuditEvent.objects.filter(verb="webhook.create").count() == 1


def test_a_private_address_or_an_unknown_event_is_refused_and_nothing_is_made(workspace, owner):
    client = Client()
    client.force_login(owner)
    page = client.post("/app/webhooks/", {"name": "x", "url": "http://127.0.0.1:9/in", "events": ["channel.failed"]})
    assert page.status_code == 400
    assert "adresse privée ou locale" in page.content.decode()
    page = client.post("/app/webhooks/", {"name": "x", "url": "https://hooks.example/in", "events": ["nope"]})
    assert page.status_code == 400
    assert not Subscription.objects.exists()


def test_a_committed_event_reaches_the_receiver_signed_in_its_documented_shape(workspace, receiver):
    subscription, secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    emit_committed(workspace)
    (call,) = receiver.calls
    assert verified(call, secret)
    assert call.headers["x-animateur-event"] == "channel.failed"
    body = call.json()
    assert set(body) == {"id", "type", "version", "workspace", "occurred_at", "data"}
    assert body["type"] == "channel.failed" and body["version"] == 1 and body["workspace"] == workspace.slug
    schema = EVENT_TYPES["channel.failed"].data_schema
    assert set(body["data"]) == set(schema["required"]) and body["data"] == EVENT_DATA
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == Delivery.Status.DELIVERED and delivery.last_status_code == 200
    assert delivery.last_response == "ok"
    assert json.loads(delivery.body) == body


def test_an_event_of_a_type_not_chosen_or_rolled_back_is_never_sent(workspace, receiver):
    do_create_subscription(workspace, "CRM", receiver.url, ["conversation.opened"], actor=SYSTEM)
    emit_committed(workspace)  # channel.failed: not chosen
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(workspace, "conversation.opened", {"conversation_id": 1, "subject": "s", "url": "u", "message_id": 1})
        raise RuntimeError("the change fails: its event must not leave")
    assert receiver.calls == []
    assert not Delivery.objects.exists()


def test_a_delivery_survives_a_500_and_a_timeout_then_arrives(workspace, receiver, monkeypatch):
    monkeypatch.setattr(signed_post, "TIMEOUT_SECONDS", 0.5)
    receiver.answers = [(500, 0.0), (200, 2.0), (200, 0.0)]
    subscription, secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    emit_committed(workspace)
    delivery = Delivery.objects.get(subscription=subscription)
    assert delivery.status == Delivery.Status.PENDING and delivery.last_status_code == 500
    assert delivery.next_attempt_at is not None
    assert webhooks.attempt(delivery.pk, 2).status == Delivery.Status.PENDING  # the receiver took too long
    final = webhooks.attempt(delivery.pk, 3)
    assert final.status == Delivery.Status.DELIVERED and final.attempts == 3
    assert len(receiver.calls) == 3
    assert len({call.body for call in receiver.calls}) == 1 and all(verified(c, secret) for c in receiver.calls)


def test_repeated_failures_pause_the_subscription_and_tell_the_owners_and_managers(workspace, make_user, receiver):
    make_user("boss@example.org", workspace, Role.OWNER)
    make_user("lead@example.org", workspace, Role.MANAGER)
    make_user("mod@example.org", workspace, Role.MODERATOR)
    receiver.answers = [(410, 0.0)]  # gone: final at once
    subscription, _secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    for _ in range(webhooks.PAUSE_AFTER):
        emit_committed(workspace)
    subscription.refresh_from_db()
    assert not subscription.active and subscription.paused_reason == Subscription.PausedReason.FAILURES
    assert AuditEvent.objects.filter(verb="webhook.pause", actor="system:webhooks").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@example.org", "lead@example.org"]
    assert "CRM" in mail.outbox[0].subject and f"/app/webhooks/{subscription.pk}/" in mail.outbox[0].body
    emit_committed(workspace)
    assert len(receiver.calls) == webhooks.PAUSE_AFTER  # paused: nothing more is sent
    assert Delivery.objects.count() == webhooks.PAUSE_AFTER


def test_a_success_between_failures_starts_the_count_again(workspace, receiver):
    receiver.answers = [(410, 0.0)] * (webhooks.PAUSE_AFTER - 1) + [(200, 0.0)] + [(410, 0.0)] * 2
    subscription, _secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    for _ in range(webhooks.PAUSE_AFTER + 2):
        emit_committed(workspace)
    subscription.refresh_from_db()
    assert subscription.active and subscription.consecutive_failures == 2


def test_replay_from_the_page_delivers_the_same_event_again(workspace, owner, receiver):
    subscription, secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    emit_committed(workspace)
    delivery = Delivery.objects.get()
    client = Client()
    client.force_login(owner)
    with pytest.MonkeyPatch.context() as patch:
        # The view's action defers its first attempt to the commit of the request's transaction.
        patch.setattr(transaction, "on_commit", lambda callback, *a, **k: callback())
        response = client.post(f"/app/webhooks/deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    replay = Delivery.objects.exclude(pk=delivery.pk).get()
    assert replay.replay_of == delivery and replay.status == Delivery.Status.DELIVERED
    assert [c.json()["id"] for c in receiver.calls] == [json.loads(delivery.body)["id"]] * 2
    assert verified(receiver.calls[1], secret)
    page = client.get(f"/app/webhooks/{subscription.pk}/").content.decode()
    assert "Envoyer à nouveau" in page and "rejeu" in page


def test_a_manager_reads_the_deliveries_but_only_an_owner_subscribes(workspace, make_user, receiver):
    subscription, _secret = do_create_subscription(workspace, "CRM", receiver.url, ["channel.failed"], actor=SYSTEM)
    manager = Client()
    manager.force_login(make_user("lead@example.org", workspace, Role.MANAGER))
    assert manager.get(f"/app/webhooks/{subscription.pk}/").status_code == 200
    refused = manager.post("/app/webhooks/", {"name": "x", "url": receiver.url, "events": ["channel.failed"]})
    assert refused.status_code == 403
    assert manager.post(f"/app/webhooks/{subscription.pk}/pause/").status_code == 403
    assert Subscription.objects.count() == 1


def test_the_api_lists_event_types_with_schemas_and_subscribes(workspace, owner, receiver):
    _token, key = do_create_api_token(workspace, owner, "script", actor=SYSTEM)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    types = api.get("/api/events/types").json()
    assert {t["name"] for t in types} == set(EVENT_TYPES)
    assert all(t["data_schema"]["type"] == "object" for t in types)
    created = api.post(
        "/api/events/webhooks",
        {"name": "CRM", "url": receiver.url, "events": ["channel.failed"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["secret"]
    bad = {"name": "x", "url": "ftp://x", "events": ["channel.failed"]}
    refused = api.post("/api/events/webhooks", bad, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["detail"]
    emit_committed(workspace)
    (listed,) = api.get("/api/events/webhooks").json()
    deliveries = api.get(f"/api/events/webhooks/{listed['id']}/deliveries").json()
    assert deliveries[0]["status"] == "delivered"
    replayed = api.post(f"/api/events/webhooks/deliveries/{deliveries[0]['id']}/replay")
    assert replayed.status_code == 201 and replayed.json()["replay_of_id"] == deliveries[0]["id"]

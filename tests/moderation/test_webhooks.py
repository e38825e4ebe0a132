"""A rule's webhook is one use of the workspace's webhooks: checked on save, each match sent as the
event `moderation.rule_matched`, signed with the rule's secret, retried, logged, replayed, paused after
repeated failures; existing rules' webhooks carried over by a migration with nothing lost."""

from __future__ import annotations

import hashlib
import hmac
import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from animateur.channels import signed_post
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.events import webhooks
from animateur.events.actions import do_replay_delivery
from animateur.events.models import Delivery, Subscription
from animateur.moderation.actions.rules import do_delete_rule, do_save_rule
from animateur.moderation.models import Rule, WebhookDelivery
from animateur.stream.models import Message

from .factories import SYSTEM, post

CONDITIONS = [{"field": "text", "op": "contains", "value": "remboursement"}]


def webhook_rule(workspace, url, *, actions=(("hold", ""),), name="Remboursements"):
    return do_save_rule(
        workspace,
        {
            "name": name,
            "conditions": CONDITIONS,
            "actions": [{"type": t, "value": v} for t, v in actions] + [{"type": "webhook", "value": url}],
        },
        actor=SYSTEM,
    )


def signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_of(rule) -> Delivery:
    return Delivery.objects.get(subscription__managed_by=f"moderation.rule:{rule.pk}", replay_of=None)


@pytest.mark.django_db(transaction=True)
def test_a_matching_message_is_posted_signed_to_the_webhook_after_its_batch_is_committed(
    open_site, receiver, manager_client
):
    seen_from_another_connection = []

    def look(call):
        # The server's thread has its own database connection: it sees only committed rows.
        message_id = call.json()["data"]["message"]["id"]
        seen_from_another_connection.append(Message.objects.filter(pk=message_id).exists())
        connections.close_all()

    receiver.on_request = look
    rule = webhook_rule(open_site, receiver.url)
    secret = rule.revealed_secret
    assert secret and len(secret) >= 32

    message = post(open_site, "Je demande un remboursement, colis jamais reçu", name="Ana Dupont")
    assert not connection.in_atomic_block

    assert len(receiver.calls) == 1
    call = receiver.calls[0]
    assert seen_from_another_connection == [True]
    assert call.headers["content-type"] == "application/json"
    assert call.headers["x-animateur-signature"] == signed(secret, call.body)
    assert call.headers["x-animateur-event"] == "moderation.rule_matched"
    sent = call.json()
    assert (sent["type"], sent["version"], sent["workspace"]) == ("moderation.rule_matched", 1, open_site.slug)
    data = sent["data"]
    assert data["rule"] == {"id": rule.pk, "name": "Remboursements"}
    assert data["message"]["id"] == message.pk
    assert data["message"]["excerpt"] == "Je demande un remboursement, colis jamais reçu"
    assert data["review_url"].endswith(f"/app/moderation/messages/{message.pk}/")
    assert data["message"]["visibility"] == "pending"
    assert data["message"]["channel"]["kind"] == "site"
    assert data["message"]["author"]["name"] == "Ana Dupont"
    assert {"source": f"rule:{rule.pk}", "detail": "Remboursements", "score": None, "action": "hold"} in data["reasons"]
    assert set(data["scores"]) == {"spam", "toxicity", "trust", "sentiment"}
    assert 0 <= data["scores"]["spam"] <= 1

    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert f'href="/app/webhooks/?rule={rule.pk}"' in page and "moderation.rule_matched" in page
    assert secret not in page  # shown once, when the rule was made
    listed = manager_client.get(f"/app/webhooks/?rule={rule.pk}").content.decode()
    assert f'data-subscription="{delivery.subscription_id}"' in listed
    log = manager_client.get(f"/app/webhooks/{delivery.subscription_id}/").content.decode()
    assert 'data-status="delivered"' in log and "HTTP 200" in log and "data-rule-webhook" in log


def test_a_message_that_matches_no_rule_calls_no_webhook(open_site, receiver, django_capture_on_commit_callbacks):
    webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Merci pour la livraison rapide")
    assert receiver.calls == [] and not Delivery.objects.exists()


def test_two_rules_to_two_addresses_each_receive_only_their_own_matches(
    open_site, receiver, django_capture_on_commit_callbacks
):
    from tests.moderation.receiver import Receiver

    other = Receiver()
    try:
        refunds = webhook_rule(open_site, receiver.url)
        do_save_rule(
            open_site,
            {
                "name": "Livraison",
                "conditions": [{"field": "text", "op": "contains", "value": "livraison"}],
                "actions": [{"type": "webhook", "value": other.url}],
            },
            actor=SYSTEM,
        )
        with django_capture_on_commit_callbacks(execute=True):
            post(open_site, "Un remboursement ?")
        assert [c.json()["data"]["rule"]["id"] for c in receiver.calls] == [refunds.pk]
        assert other.calls == []
    finally:
        other.close()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:9/hook", "adresse privée ou locale"),
        ("http://localhost/hook", "adresse privée ou locale"),
        ("http://10.1.2.3/hook", "adresse privée ou locale"),
        ("http://192.168.1.10/hook", "adresse privée ou locale"),
        ("http://[::1]/hook", "adresse privée ou locale"),
        ("http://169.254.169.254/latest/meta-data", "adresse privée ou locale"),
        ("ftp://203.0.113.7/hook", "n’est pas une adresse web"),
        ("javascript:alert(1)", "n’est pas une adresse web"),
        ("https://hooks.example:abc/in", "n’est pas une adresse web"),  # urllib's own words were English
        ("https://hooks.example:99999/in", "n’est pas une adresse web"),
        ("https://[::1/in", "n’est pas une adresse web"),
    ],
)
def test_a_webhook_to_a_private_address_or_not_a_web_address_is_refused_on_save(workspace, url, words):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ActionError) as refused:
        webhook_rule(workspace, url)
    assert words in str(refused.value)
    assert not Rule.objects.filter(workspace=workspace).exists()
    assert not Subscription.objects.exists()


def test_the_rule_form_says_why_a_private_address_is_refused_and_saves_nothing(workspace, manager_client):
    response = manager_client.post(
        "/app/moderation/rules/new/",
        {
            "name": "Interne",
            "match": "all",
            "position": 100,
            "enabled": "on",
            "c0_field": "text",
            "c0_op": "contains",
            "c0_value": "remboursement",
            "a0_type": "webhook",
            "a0_value": "http://127.0.0.1:8080/internal",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "adresse privée ou locale" in response.content.decode()
    assert not Rule.objects.filter(workspace=workspace).exists()


def test_private_addresses_are_accepted_when_the_setting_allows_them(workspace, private_urls):
    rule = webhook_rule(workspace, "http://127.0.0.1:9/hook")
    assert rule.actions[-1] == {"type": "webhook", "value": "http://127.0.0.1:9/hook"}


def test_a_private_address_is_refused_at_delivery_too_and_nothing_is_sent(
    open_site, receiver, settings, django_capture_on_commit_callbacks
):
    rule = webhook_rule(open_site, receiver.url)  # saved while private addresses were allowed
    settings.ALLOW_PRIVATE_URLS = False
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Un remboursement ?")
    assert receiver.calls == []
    delivery = delivery_of(rule)
    assert delivery.status == "failed" and delivery.attempts == 1
    assert delivery.last_error


def test_a_failing_endpoint_is_retried_with_growing_delays_then_delivered_and_each_attempt_is_recorded(
    open_site, receiver, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    receiver.answers = [(503, 0), (500, 0), (200, 0)]
    rule = webhook_rule(open_site, receiver.url)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Toujours pas de remboursement")
    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    first_wait = (delivery.next_attempt_at - before).total_seconds()
    assert webhooks.BACKOFF_SECONDS[0] <= first_wait < webhooks.BACKOFF_SECONDS[0] + 5
    page = manager_client.get(f"/app/webhooks/{delivery.subscription_id}/").content.decode()
    assert 'data-status="pending"' in page and "HTTP 503" in page

    assert len(run_scheduled("deliver_webhook")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 2, 500)
    assert len(run_scheduled("deliver_webhook")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    # Each retry sends the same bytes with the same signature.
    assert len({c.body for c in receiver.calls}) == 1 and len(receiver.calls) == 3
    assert len({c.headers["x-animateur-signature"] for c in receiver.calls}) == 1


def test_an_endpoint_that_keeps_failing_is_given_up_after_the_last_attempt(
    open_site, receiver, run_scheduled, django_capture_on_commit_callbacks
):
    receiver.answers = [(502, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement refusé")
    while run_scheduled("deliver_webhook"):
        pass
    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.calls) == webhooks.MAX_ATTEMPTS


def test_a_client_error_is_not_retried(open_site, receiver, run_scheduled, django_capture_on_commit_callbacks):
    receiver.answers = [(404, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement ?")
    assert run_scheduled("deliver_webhook") == []
    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 404)


def test_an_endpoint_slower_than_the_time_limit_counts_as_a_failure_to_retry(
    open_site, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(signed_post, "TIMEOUT_SECONDS", 0.5)
    receiver.answers = [(200, 3.0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement, vite")
    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.next_attempt_at is not None


def test_a_rules_webhook_that_keeps_failing_is_paused_and_the_managers_are_told(
    open_site, receiver, make_user, django_capture_on_commit_callbacks
):
    make_user("manager@example.org", open_site, Role.MANAGER)
    receiver.answers = [(404, 0)]  # final at once: each message is one delivery failed for good
    rule = webhook_rule(open_site, receiver.url)
    for n in range(webhooks.PAUSE_AFTER):
        with django_capture_on_commit_callbacks(execute=True):
            post(open_site, f"Remboursement n°{n}", email=f"client{n}@example.org")
    subscription = Subscription.objects.get(managed_by=f"moderation.rule:{rule.pk}")
    assert (subscription.active, subscription.paused_reason) == (False, "failures")
    assert any("manager@example.org" in m.to and rule.name in m.subject for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Encore un remboursement", email="late@example.org")
    assert len(receiver.calls) == webhooks.PAUSE_AFTER  # nothing more is sent to a paused webhook


def test_the_secret_is_shown_once_stored_encrypted_and_can_be_renewed_by_a_manager_only(
    open_site, receiver, manager_client, client_as, django_capture_on_commit_callbacks
):
    data = {
        "name": "Alerte SAV",
        "match": "all",
        "position": 100,
        "enabled": "on",
        "c0_field": "text",
        "c0_op": "contains",
        "c0_value": "remboursement",
        "a0_type": "webhook",
        "a0_value": receiver.url,
        "save": "1",
    }
    made = manager_client.post("/app/moderation/rules/new/", data)
    assert made.status_code == 200
    rule = Rule.objects.get(workspace=open_site, name="Alerte SAV")
    secret = rule.webhook_secret
    shown = made.content.decode()
    assert secret in shown and "ne sera plus affiché" in shown
    # The page is shown in answer to the creation: saving it again must change this rule, not make another.
    assert f'class="mod-rule" action="/app/moderation/rules/{rule.pk}/"' in shown
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM moderation_rule WHERE id = %s", [rule.pk])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT secret FROM events_subscription WHERE managed_by = %s", [f"moderation.rule:{rule.pk}"])
        stored_for_webhooks = cursor.fetchone()[0]
    assert stored and secret not in stored and secret not in stored_for_webhooks

    assert secret not in manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    again = manager_client.post(f"/app/moderation/rules/{rule.pk}/", data)
    assert again.status_code == 302  # saving again keeps the secret and does not show it

    moderator = client_as(open_site, Role.MODERATOR)
    assert moderator.post(f"/app/moderation/rules/{rule.pk}/webhook-secret/").status_code == 403
    renewed = manager_client.post(f"/app/moderation/rules/{rule.pk}/webhook-secret/")
    rule.refresh_from_db()
    assert rule.webhook_secret != secret and rule.webhook_secret in renewed.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Un remboursement")
    assert receiver.calls[0].headers["x-animateur-signature"] == signed(rule.webhook_secret, receiver.calls[0].body)


def test_changing_or_deleting_the_rule_moves_or_removes_its_webhook_which_the_webhooks_page_cannot_change(
    open_site, receiver, client_as
):
    rule = webhook_rule(open_site, receiver.url)
    subscription = Subscription.objects.get(managed_by=f"moderation.rule:{rule.pk}")
    owner = client_as(open_site, Role.OWNER)
    refused = owner.post(f"/app/webhooks/{subscription.pk}/delete/", follow=True).content.decode()
    assert "appartient à une règle de modération" in refused
    assert Subscription.objects.filter(pk=subscription.pk).exists()

    moved = receiver.url.rstrip("/") + "/autre"
    do_save_rule(
        open_site,
        {"name": "Remboursements", "conditions": CONDITIONS, "actions": [{"type": "webhook", "value": moved}]},
        rule,
        actor=SYSTEM,
    )
    assert list(Subscription.objects.values_list("url", flat=True)) == [moved]
    do_delete_rule(rule, actor=SYSTEM)
    assert not Subscription.objects.exists()


def test_another_workspace_cannot_see_or_renew_a_rules_webhook(open_site, make_workspace, client_as, receiver):
    rule = webhook_rule(open_site, receiver.url)
    outsider = client_as(make_workspace("autre", "Autre"), Role.MANAGER)
    assert outsider.get(f"/app/moderation/rules/{rule.pk}/").status_code == 404
    assert outsider.post(f"/app/moderation/rules/{rule.pk}/webhook-secret/").status_code == 404
    assert "data-subscription" not in outsider.get(f"/app/webhooks/?rule={rule.pk}").content.decode()
    secret = Rule.objects.get(pk=rule.pk).webhook_secret
    assert secret == rule.revealed_secret


def test_a_rule_saved_before_calls_were_signed_says_so_and_sends_no_false_signature(
    open_site, receiver, manager_client, django_capture_on_commit_callbacks
):
    rule = webhook_rule(open_site, receiver.url)
    Rule.objects.filter(pk=rule.pk).update(webhook_secret="")
    Subscription.objects.filter(managed_by=f"moderation.rule:{rule.pk}").update(secret="")
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Un remboursement")
    assert "x-animateur-signature" not in receiver.calls[0].headers
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert "n’a pas encore de secret" in page


# ------------------------------------------------------------------ rules made before the move


def carry_over() -> None:
    """The data migration that moved the rules' webhooks, run on this database."""
    migration = importlib.import_module("animateur.events.migrations.0002_rule_webhooks")
    migration.carry_rule_webhooks_over(apps, None)


def old_rule(workspace, url: str) -> Rule:
    """A rule as saved before the move: its address and secret, and no webhook subscription."""
    return Rule.objects.create(
        workspace=workspace,
        name="Ancienne règle",
        conditions=CONDITIONS,
        actions=[{"type": "hold"}, {"type": "webhook", "value": url}],
        webhook_secret="le secret de la règle, gardé depuis des mois",
    )


def test_an_existing_rules_webhook_still_receives_its_signed_calls_with_retries_and_replay_after_the_migration(
    open_site, receiver, make_user, run_scheduled, django_capture_on_commit_callbacks
):
    rule = old_rule(open_site, receiver.url)
    carry_over()
    carry_over()  # run twice (a migration re-applied): still one webhook
    subscription = Subscription.objects.get(workspace=open_site)
    assert (subscription.url, subscription.events) == (receiver.url, ["moderation.rule_matched"])

    receiver.answers = [(500, 0), (200, 0)]
    with django_capture_on_commit_callbacks(execute=True):
        message = post(open_site, "Où est mon remboursement ?")
    first = receiver.calls[0]
    assert first.headers["x-animateur-signature"] == signed(rule.webhook_secret, first.body)
    assert first.json()["data"]["rule"] == {"id": rule.pk, "name": "Ancienne règle"}
    assert first.json()["data"]["message"]["id"] == message.pk
    assert len(run_scheduled("deliver_webhook")) == 1
    delivery = delivery_of(rule)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)

    owner = make_user("owner@example.org", open_site, Role.OWNER)
    with django_capture_on_commit_callbacks(execute=True):
        replay = do_replay_delivery(delivery, actor=owner)
    replay.refresh_from_db()
    assert replay.status == "delivered" and len(receiver.calls) == 3
    assert receiver.calls[2].body == first.body
    assert receiver.calls[2].headers["x-animateur-signature"] == signed(rule.webhook_secret, first.body)


def test_a_call_waiting_for_its_retry_at_the_migration_is_carried_over_and_sent(open_site, receiver):
    rule = old_rule(open_site, receiver.url)
    waiting = WebhookDelivery.objects.create(
        workspace=open_site,
        rule=rule,
        url=receiver.url,
        body='{"event": "moderation.rule_matched"}',
        attempts=2,
        last_status_code=503,
        next_attempt_at=timezone.now() - timezone.timedelta(hours=1),
    )
    done = WebhookDelivery.objects.create(
        workspace=open_site, rule=rule, url=receiver.url, body="{}", status="delivered", attempts=1
    )
    carry_over()
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [done.pk]  # history stays
    moved = Delivery.objects.get()
    assert (moved.attempts, moved.body, moved.status) == (2, waiting.body, "pending")

    from animateur.events.tasks import retry_lost_webhook_deliveries

    retry_lost_webhook_deliveries()
    moved.refresh_from_db()
    assert (moved.status, moved.attempts) == ("delivered", 3)
    assert receiver.calls[0].headers["x-animateur-signature"] == signed(rule.webhook_secret, waiting.body.encode())

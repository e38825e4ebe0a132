"""A rule's webhook: checked on save, signed, sent by a task once the batch is committed, retried, recorded."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.db import connection, connections
from django.utils import timezone

from animateur.channels import signed_post
from animateur.core.actions import ActionError
from animateur.core.roles import Role
from animateur.moderation import webhooks
from animateur.moderation.actions.rules import do_save_rule
from animateur.moderation.models import Rule, WebhookDelivery
from animateur.stream.models import Message

from .factories import SYSTEM, post


def webhook_rule(workspace, url, *, actions=(("hold", ""),), name="Remboursements"):
    return do_save_rule(
        workspace,
        {
            "name": name,
            "conditions": [{"field": "text", "op": "contains", "value": "remboursement"}],
            "actions": [{"type": t, "value": v} for t, v in actions] + [{"type": "webhook", "value": url}],
        },
        actor=SYSTEM,
    )


def signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_matching_message_is_posted_signed_to_the_webhook_after_its_batch_is_committed(
    open_site, receiver, manager_client
):
    seen_from_another_connection = []

    def look(call):
        # The server's thread has its own database connection: it sees only committed rows.
        message_id = call.json()["message"]["id"]
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
    assert call.headers["x-animateur-signature"] != signed("another secret", call.body)
    sent = call.json()
    assert sent["rule"] == {"id": rule.pk, "name": "Remboursements"}
    assert sent["message"]["id"] == message.pk
    assert sent["message"]["excerpt"] == "Je demande un remboursement, colis jamais reçu"
    assert sent["message"]["review_url"].endswith(f"/app/moderation/messages/{message.pk}/")
    assert sent["message"]["visibility"] == "pending"
    assert sent["channel"]["kind"] == "site"
    assert sent["author"]["name"] == "Ana Dupont"
    assert {"source": f"rule:{rule.pk}", "detail": "Remboursements", "score": None, "action": "hold"} in sent["reasons"]
    assert set(sent["scores"]) == {"spam", "toxicity", "trust", "sentiment"}
    assert 0 <= sent["scores"]["spam"] <= 1

    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert 'data-status="delivered"' in page and "Livré" in page and "HTTP 200" in page
    assert secret not in page  # shown once, when the rule was made


def test_a_message_that_matches_no_rule_calls_no_webhook(open_site, receiver, django_capture_on_commit_callbacks):
    webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Merci pour la livraison rapide")
    assert receiver.calls == [] and not WebhookDelivery.objects.exists()


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
    ],
)
def test_a_webhook_to_a_private_address_or_not_a_web_address_is_refused_on_save(workspace, url, words):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ActionError) as refused:
        webhook_rule(workspace, url)
    assert words in str(refused.value)
    assert not Rule.objects.filter(workspace=workspace).exists()


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
    delivery = WebhookDelivery.objects.get(rule=rule)
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
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert "HTTP 503" in delivery.last_error
    first_wait = (delivery.next_attempt_at - before).total_seconds()
    assert webhooks.BACKOFF_SECONDS[0] <= first_wait < webhooks.BACKOFF_SECONDS[0] + 5

    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert 'data-status="pending"' in page and "HTTP 503" in page and "prochain essai" in page

    assert len(run_scheduled("deliver_webhook")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 2, 500)
    second_wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert webhooks.BACKOFF_SECONDS[1] - 1 <= second_wait <= webhooks.BACKOFF_SECONDS[1] + 1

    assert len(run_scheduled("deliver_webhook")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 200)
    assert delivery.last_error == "" and delivery.next_attempt_at is None
    # Each retry sends the same bytes with the same signature.
    assert len({c.body for c in receiver.calls}) == 1 and len(receiver.calls) == 3
    assert len({c.headers["x-animateur-signature"] for c in receiver.calls}) == 1
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert 'data-status="delivered"' in page


def test_an_endpoint_that_keeps_failing_is_given_up_after_the_last_attempt_and_shown_as_failed(
    open_site, receiver, manager_client, run_scheduled, django_capture_on_commit_callbacks
):
    receiver.answers = [(502, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement refusé")
    while run_scheduled("deliver_webhook"):
        pass
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.calls) == webhooks.MAX_ATTEMPTS
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert 'data-status="failed"' in page and "Échec" in page and "HTTP 502" in page


def test_a_client_error_is_not_retried(open_site, receiver, run_scheduled, django_capture_on_commit_callbacks):
    receiver.answers = [(404, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement ?")
    assert run_scheduled("deliver_webhook") == []
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 404)


def test_an_endpoint_slower_than_the_time_limit_counts_as_a_failure_to_retry(
    open_site, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(signed_post, "TIMEOUT_SECONDS", 0.5)
    receiver.answers = [(200, 3.0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement, vite")
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert "0 secondes" in delivery.last_error or "seconds" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_a_retry_whose_task_was_lost_is_made_by_the_periodic_sweep_and_only_once(
    open_site, receiver, django_capture_on_commit_callbacks
):
    from animateur.moderation.tasks import retry_lost_webhooks

    receiver.answers = [(503, 0), (200, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement perdu")
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert delivery.status == "pending"
    retry_lost_webhooks()  # not due yet: nothing happens
    assert len(receiver.calls) == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timezone.timedelta(hours=1))
    retry_lost_webhooks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.calls)) == ("delivered", 2, 2)
    # The scheduled retry that comes later finds the attempt taken and sends nothing.
    assert webhooks.attempt(delivery.pk, 2) is None
    assert len(receiver.calls) == 2


def test_an_attempt_is_taken_once_whoever_asks_for_it(open_site, receiver):
    rule = webhook_rule(open_site, receiver.url)
    message = post(open_site, "Un message sans effet")  # on_commit not run: no delivery yet
    [delivery] = webhooks.create_deliveries(message, [(rule.pk, receiver.url)])
    assert webhooks.claim(delivery.pk, 1) is not None
    assert webhooks.claim(delivery.pk, 1) is None  # a second worker, or the sweep, with the same attempt
    assert webhooks.claim(delivery.pk, 3) is None  # an attempt out of turn
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 1


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
    assert stored and secret not in stored

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


def test_another_workspace_cannot_see_or_renew_a_rules_webhook(open_site, make_workspace, client_as, receiver):
    rule = webhook_rule(open_site, receiver.url)
    outsider = client_as(make_workspace("autre", "Autre"), Role.MANAGER)
    assert outsider.get(f"/app/moderation/rules/{rule.pk}/").status_code == 404
    assert outsider.post(f"/app/moderation/rules/{rule.pk}/webhook-secret/").status_code == 404
    secret = Rule.objects.get(pk=rule.pk).webhook_secret
    assert secret == rule.revealed_secret


def test_a_rule_saved_before_calls_were_signed_says_so_and_sends_no_false_signature(
    open_site, receiver, manager_client, django_capture_on_commit_callbacks
):
    rule = webhook_rule(open_site, receiver.url)
    Rule.objects.filter(pk=rule.pk).update(webhook_secret="")
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Un remboursement")
    assert "x-animateur-signature" not in receiver.calls[0].headers
    page = manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()
    assert "n’a pas encore de secret" in page


def test_a_last_attempt_that_never_finished_is_marked_failed_by_the_sweep(
    open_site, receiver, manager_client, django_capture_on_commit_callbacks
):
    from animateur.moderation.tasks import retry_lost_webhooks

    receiver.answers = [(503, 0)]
    rule = webhook_rule(open_site, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        post(open_site, "Remboursement en panne")
    # As if the worker making the fifth and last attempt had died before recording its outcome.
    WebhookDelivery.objects.filter(rule=rule).update(
        attempts=webhooks.MAX_ATTEMPTS, next_attempt_at=timezone.now() - timezone.timedelta(hours=1)
    )
    retry_lost_webhooks()
    delivery = WebhookDelivery.objects.get(rule=rule)
    assert (delivery.status, len(receiver.calls)) == ("failed", 1)
    assert "ne s’est jamais terminé" in manager_client.get(f"/app/moderation/rules/{rule.pk}/").content.decode()

"""Moderation rules' webhooks become subscriptions of the workspace's webhooks.

Each address of an existing rule's « call a webhook » becomes a subscription to
`moderation.rule_matched` for that rule alone, signed with the rule's own secret, so its receiver
goes on getting the same signed calls. A rule's deliveries still waiting for a retry are carried
over (moved) as pending deliveries, which the webhooks' sweep sends; the finished ones stay on the
rule's page as its history.
"""

from django.db import migrations, models
from django.utils import timezone

EVENT = "moderation.rule_matched"


def carry_rule_webhooks_over(apps, schema_editor):
    Rule = apps.get_model("moderation", "Rule")
    WebhookDelivery = apps.get_model("moderation", "WebhookDelivery")
    Subscription = apps.get_model("events", "Subscription")
    Delivery = apps.get_model("events", "Delivery")
    now = timezone.now()
    for rule in Rule.objects.all().iterator():
        urls = []
        for action in rule.actions or []:
            url = str(action.get("value") or "").strip()
            if action.get("type") == "webhook" and url and url not in urls:
                urls.append(url)
        by_url = {}
        for url in urls:
            by_url[url], _created = Subscription.objects.get_or_create(
                workspace_id=rule.workspace_id,
                managed_by=f"moderation.rule:{rule.pk}",
                url=url,
                defaults={
                    "name": rule.name[:100],
                    "events": [EVENT],
                    "only_when": {"rule.id": rule.pk},
                    "secret": rule.webhook_secret,
                    "created_by_id": rule.created_by_id,
                },
            )
        for old in WebhookDelivery.objects.filter(rule=rule, status="pending"):
            subscription = by_url.get(old.url)
            if subscription is None:  # the address was removed from the rule since
                continue
            Delivery.objects.create(
                workspace_id=rule.workspace_id,
                subscription=subscription,
                event_id=f"moderation-webhook-delivery-{old.pk}",
                event_type=EVENT,
                url=old.url,
                body=old.body,
                attempts=old.attempts,
                next_attempt_at=old.next_attempt_at or now,
                last_attempt_at=old.last_attempt_at,
                last_status_code=old.last_status_code,
                last_error=old.last_error,
                created_at=old.created_at,
            )
            old.delete()  # it lives on as the webhooks' delivery, with its attempts so far


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_subscriptions_and_deliveries"),
        ("moderation", "0004_trusted_link_hosts"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscription",
            name="managed_by",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="subscription",
            name="only_when",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(carry_rule_webhooks_over, migrations.RunPython.noop),
    ]

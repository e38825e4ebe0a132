"""Every change to webhook subscriptions: checked, in one transaction, with one audit event.

Secrets are made here and returned once, to be shown once; only their encrypted form is stored.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from animateur.channels.signed_post import AddressError, check_url
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import EVENT_TYPES, Event
from animateur.core.models import User, Workspace
from animateur.events.models import Delivery, Subscription

MAX_SUBSCRIPTIONS = 50


def _checked(name: str, url: str, events: list[str]) -> tuple[str, str, list[str]]:
    name = name.strip()
    if not name:
        raise ActionError(_("A webhook needs a name."))
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ActionError(_("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)})
    if not events:
        raise ActionError(_("Choose at least one event."))
    try:
        url = check_url(url)
    except AddressError as error:
        raise ActionError(str(error)) from None
    return name[:100], url, sorted(set(events))


def do_create_subscription(
    workspace: Workspace, name: str, url: str, events: list[str], *, actor: Actor
) -> tuple[Subscription, str]:
    """A subscription and its secret, returned this once."""
    require(actor, workspace, "webhooks.manage")
    name, url, events = _checked(name, url, events)
    if Subscription.objects.filter(workspace=workspace).count() >= MAX_SUBSCRIPTIONS:
        raise ActionError(_("A workspace has at most %(count)d webhooks.") % {"count": MAX_SUBSCRIPTIONS})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        subscription = Subscription.objects.create(
            workspace=workspace,
            name=name,
            url=url,
            events=events,
            secret=secret,
            created_by=actor if isinstance(actor, User) else None,
        )
        record(workspace, actor, AuditVerb.WEBHOOK_CREATE, subscription, {"name": name, "url": url, "events": events})
    return subscription, secret


def _not_a_rules(subscription: Subscription) -> None:
    """A rule's webhook is changed on the rule: its address, name and secret are the rule's."""
    if subscription.managed_by:
        raise ActionError(_("This webhook belongs to a moderation rule: change or delete it on the rule's page."))


def do_update_subscription(subscription: Subscription, name: str, url: str, events: list[str], *, actor: Actor) -> None:
    require(actor, subscription.workspace, "webhooks.manage")
    _not_a_rules(subscription)
    name, url, events = _checked(name, url, events)
    with transaction.atomic(durable=True):
        Subscription.objects.filter(pk=subscription.pk).update(name=name, url=url, events=events)
        data = {"name": name, "url": url, "events": events}
        record(subscription.workspace, actor, AuditVerb.WEBHOOK_UPDATE, subscription, data)
    subscription.refresh_from_db()


def do_renew_subscription_secret(subscription: Subscription, *, actor: Actor) -> str:
    """A new secret, returned this once; the previous one no longer signs anything."""
    require(actor, subscription.workspace, "webhooks.manage")
    _not_a_rules(subscription)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic(durable=True):
        subscription.secret = secret
        subscription.save(update_fields=["secret"])
        record(subscription.workspace, actor, AuditVerb.WEBHOOK_RENEW_SECRET, subscription)
    return secret


def do_set_subscription_active(subscription: Subscription, active: bool, *, actor: Actor) -> None:
    """Pause, or resume (which also forgets the failures that paused it)."""
    require(actor, subscription.workspace, "webhooks.manage")
    if subscription.active == active:
        raise ActionError(_("This webhook is already active.") if active else _("This webhook is already paused."))
    reason = "" if active else Subscription.PausedReason.BY_OWNER
    with transaction.atomic(durable=True):
        Subscription.objects.filter(pk=subscription.pk).update(
            active=active, paused_reason=reason, consecutive_failures=0
        )
        record(
            subscription.workspace, actor, AuditVerb.WEBHOOK_RESUME if active else AuditVerb.WEBHOOK_PAUSE, subscription
        )
    subscription.refresh_from_db()


def do_delete_subscription(subscription: Subscription, *, actor: Actor) -> None:
    require(actor, subscription.workspace, "webhooks.manage")
    _not_a_rules(subscription)
    with transaction.atomic(durable=True):
        record(subscription.workspace, actor, AuditVerb.WEBHOOK_DELETE, subscription, {"name": subscription.name})
        subscription.delete()


def do_replay_delivery(delivery: Delivery, *, actor: Actor) -> Delivery:
    """Send the same event again, as a new delivery to the subscription's current address."""
    from animateur.events.webhooks import start

    subscription = delivery.subscription
    require(actor, subscription.workspace, "webhooks.manage")
    with transaction.atomic(durable=True):
        replay = Delivery.objects.create(
            workspace=subscription.workspace,
            subscription=subscription,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            url=subscription.url,
            body=delivery.body,
            replay_of=delivery,
        )
        record(subscription.workspace, actor, AuditVerb.WEBHOOK_REPLAY, subscription, {"delivery": delivery.pk})
        transaction.on_commit(lambda: start([replay]))
    return replay


def do_send_test_event(subscription: Subscription, *, actor: Actor) -> Delivery:
    """A `webhook.test` event to this subscription alone, whatever it chose: to check the receiver
    and its signature check."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from animateur.events.webhooks import start

    workspace = subscription.workspace
    require(actor, workspace, "webhooks.manage")
    data = {"subscription_id": subscription.pk, "by": str(actor)}
    event = Event(EVENT_TYPES["webhook.test"], workspace.pk, workspace.slug, data)
    with transaction.atomic(durable=True):
        delivery = Delivery.objects.create(
            workspace=workspace,
            subscription=subscription,
            event_id=event.id,
            event_type=event.type.name,
            url=subscription.url,
            body=json.dumps(event.envelope(), cls=DjangoJSONEncoder, ensure_ascii=False),
        )
        record(workspace, actor, AuditVerb.WEBHOOK_TEST, subscription, {"delivery": delivery.pk})
        transaction.on_commit(lambda: start([delivery]))
    return delivery

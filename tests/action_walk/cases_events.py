"""How to call the actions of the events app: webhook subscriptions, replays and test events."""

from __future__ import annotations

from animateur.events.actions import (
    do_create_subscription,
    do_delete_subscription,
    do_renew_subscription_secret,
    do_replay_delivery,
    do_send_test_event,
    do_set_subscription_active,
    do_update_subscription,
)
from animateur.events.models import Subscription
from tests.action_walk.registry import Call, World, case


def _receiver_url(w: World) -> str:
    """A local receiver, which the private-address rules let through only under `private_urls`."""
    from tests.moderation.receiver import Receiver

    w.request.getfixturevalue("private_urls")
    server = Receiver()
    w.request.addfinalizer(server.close)
    return server.url


def _subscription(w: World) -> Subscription:
    subscription, _secret = do_create_subscription(
        w.workspace, "CRM", _receiver_url(w), ["channel.failed"], actor=w.owner
    )
    return subscription


@case("do_create_subscription")
def _create(w: World) -> Call:
    url = _receiver_url(w)
    return lambda: do_create_subscription(w.workspace, "CRM", url, ["channel.failed"], actor=w.owner)


@case("do_update_subscription")
def _update(w: World) -> Call:
    subscription = _subscription(w)
    events = ["channel.failed", "conversation.opened"]
    return lambda: do_update_subscription(subscription, "CRM", subscription.url, events, actor=w.owner)


@case("do_renew_subscription_secret")
def _renew(w: World) -> Call:
    subscription = _subscription(w)
    return lambda: do_renew_subscription_secret(subscription, actor=w.owner)


@case("do_set_subscription_active")
def _pause(w: World) -> Call:
    subscription = _subscription(w)
    return lambda: do_set_subscription_active(subscription, False, actor=w.owner)


@case("do_delete_subscription")
def _delete(w: World) -> Call:
    subscription = _subscription(w)
    return lambda: do_delete_subscription(subscription, actor=w.owner)


@case("do_send_test_event")
def _send_test(w: World) -> Call:
    subscription = _subscription(w)
    return lambda: do_send_test_event(subscription, actor=w.owner)


@case("do_replay_delivery")
def _replay(w: World) -> Call:
    subscription = _subscription(w)
    delivery = do_send_test_event(subscription, actor=w.owner)
    return lambda: do_replay_delivery(delivery, actor=w.owner)

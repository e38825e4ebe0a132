"""Events and webhooks in the API: the catalogue of event types with their JSON schemas, and the
workspace's webhook subscriptions and deliveries, with replay."""


from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.core.actions import ActionError
from animateur.core.events import EVENT_TYPES
from animateur.events import actions
from animateur.events.models import Delivery, Subscription

router = Router(tags=["events and webhooks"])


class EventTypeOut(Schema):
    name: str
    version: int
    summary: str
    data_schema: dict[str, Any]


class SubscriptionIn(Schema):
    name: str
    url: str
    events: list[str]


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    paused_reason: str
    created_at: datetime


class CreatedSubscriptionOut(SubscriptionOut):
    secret: str


class DeliveryOut(Schema):
    id: int
    event_id: str
    event_type: str
    url: str
    body: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    last_response: str
    created_at: datetime
    delivered_at: datetime | None
    replay_of_id: int | None


class Refused(Schema):
    detail: str


@router.get("/types", response=list[EventTypeOut])
@needs("workspace.view")
def event_types(request: TokenRequest) -> list[dict[str, Any]]:
    """Every event type: the `data` of its envelope (`id`, `type`, `version`, `workspace`,
    `occurred_at`, `data`) follows `data_schema`."""
    return [
        {"name": t.name, "version": t.version, "summary": str(t.summary), "data_schema": t.data_schema}
        for t in EVENT_TYPES.values()
    ]


@router.get("/webhooks", response=list[SubscriptionOut])
@needs("webhooks.view")
def list_subscriptions(request: TokenRequest) -> Any:
    return Subscription.objects.filter(workspace=request.auth.workspace).order_by("name")


@router.post("/webhooks", response={201: CreatedSubscriptionOut, 400: Refused})
@needs("webhooks.manage")
def create_subscription(request: TokenRequest, payload: SubscriptionIn) -> Any:
    """The secret is in this answer only."""
    try:
        subscription, secret = actions.do_create_subscription(
            request.auth.workspace, payload.name, payload.url, payload.events, actor=request.auth.user
        )
    except ActionError as error:
        return 400, {"detail": str(error)}
    subscription.secret = secret
    return 201, subscription


@router.delete("/webhooks/{subscription_id}", response={204: None})
@needs("webhooks.manage")
def delete_subscription(request: TokenRequest, subscription_id: int) -> Any:
    found = get_object_or_404(Subscription, pk=subscription_id, workspace=request.auth.workspace)
    actions.do_delete_subscription(found, actor=request.auth.user)
    return 204, None


@router.get("/webhooks/{subscription_id}/deliveries", response=list[DeliveryOut])
@needs("webhooks.view")
def list_deliveries(request: TokenRequest, subscription_id: int) -> Any:
    found = get_object_or_404(Subscription, pk=subscription_id, workspace=request.auth.workspace)
    return found.deliveries.order_by("-created_at", "-pk")[:100]


@router.post("/webhooks/deliveries/{delivery_id}/replay", response={201: DeliveryOut})
@needs("webhooks.manage")
def replay_delivery(request: TokenRequest, delivery_id: int) -> Any:
    delivery = get_object_or_404(
        Delivery.objects.select_related("subscription__workspace"), pk=delivery_id, workspace=request.auth.workspace
    )
    return 201, actions.do_replay_delivery(delivery, actor=request.auth.user)

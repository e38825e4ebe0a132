"""The workspace's webhooks: subscriptions, their deliveries (request and answer), replay."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from animateur.core.actions import ActionError
from animateur.core.decorators import workspace_permission
from animateur.core.events import EVENT_TYPES
from animateur.core.permissions import has_permission
from animateur.core.typing import WorkspaceRequest
from animateur.events import actions
from animateur.events.forms import SubscriptionForm
from animateur.events.models import Delivery, Subscription
from animateur.events.rule_webhooks import managed_by, rule_of


@workspace_permission("webhooks.view")
def subscriptions(request: WorkspaceRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not has_permission(request.user, request.workspace, "webhooks.manage"):
            raise PermissionDenied("webhooks.manage")
        if form.is_valid():
            data = form.cleaned_data
            try:
                subscription, secret = actions.do_create_subscription(
                    request.workspace, data["name"], data["url"], data["events"], actor=request.user
                )
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                return _subscription_page(request, subscription, secret=secret)
        status = 400
    listed = Subscription.objects.filter(workspace=request.workspace).order_by("name")
    rule = request.GET.get("rule", "")
    if rule.isdecimal() and len(rule) < 12:  # a rule's page links here for its webhooks alone
        listed = listed.filter(managed_by=managed_by(int(rule)))
    return render(
        request,
        "events/subscriptions.html",
        {"subscriptions": listed, "form": form, "can_manage": _can_manage(request), "types": EVENT_TYPES},
        status=status,
    )


def _can_manage(request: WorkspaceRequest) -> bool:
    return has_permission(request.user, request.workspace, "webhooks.manage")


def _subscription_page(
    request: WorkspaceRequest, subscription: Subscription, *, secret: str = "", form: SubscriptionForm | None = None
) -> HttpResponse:
    deliveries = Paginator(subscription.deliveries.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    form = form or SubscriptionForm(
        initial={"name": subscription.name, "url": subscription.url, "events": subscription.events}
    )
    return render(
        request,
        "events/subscription.html",
        {
            "subscription": subscription,
            "deliveries": deliveries,
            "secret": secret,
            "form": form,
            "can_manage": _can_manage(request),
            "rule_id": rule_of(subscription),
        },
        status=400 if form.errors else 200,
    )


@workspace_permission("webhooks.view")
def subscription(request: WorkspaceRequest, subscription_id: int) -> HttpResponse:
    found = get_object_or_404(Subscription, pk=subscription_id, workspace=request.workspace)
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied("webhooks.manage")
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_update_subscription(found, data["name"], data["url"], data["events"], actor=request.user)
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                flash.success(request, _("Webhook saved."))
                return redirect("events:subscription", found.pk)
        return _subscription_page(request, found, form=form)
    return _subscription_page(request, found)


@require_POST
@workspace_permission("webhooks.manage")
def subscription_action(request: WorkspaceRequest, subscription_id: int, what: str) -> HttpResponse:
    found = get_object_or_404(Subscription, pk=subscription_id, workspace=request.workspace)
    try:
        if what == "pause":
            actions.do_set_subscription_active(found, False, actor=request.user)
            flash.success(request, _("Webhook paused: no event is sent to it until it is resumed."))
        elif what == "resume":
            actions.do_set_subscription_active(found, True, actor=request.user)
            flash.success(request, _("Webhook resumed."))
        elif what == "test":
            actions.do_send_test_event(found, actor=request.user)
            flash.success(request, _("Test event sent: its delivery is listed below."))
        elif what == "secret":
            secret = actions.do_renew_subscription_secret(found, actor=request.user)
            flash.success(request, _("New secret made: the previous one no longer signs the calls."))
            return _subscription_page(request, found, secret=secret)
        elif what == "delete":
            actions.do_delete_subscription(found, actor=request.user)
            flash.success(request, _("Webhook deleted."))
            return redirect("events:subscriptions")
        else:
            raise Http404("no such webhook action")
    except ActionError as error:
        flash.error(request, str(error))
    return redirect("events:subscription", found.pk)


@require_POST
@workspace_permission("webhooks.manage")
def replay(request: WorkspaceRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(
        Delivery.objects.select_related("subscription"), pk=delivery_id, workspace=request.workspace
    )
    actions.do_replay_delivery(delivery, actor=request.user)
    flash.success(request, _("Delivery sent again: the new attempt is listed first."))
    return redirect("events:subscription", delivery.subscription_id)

"""The callback address of the workspace's Meta app (see meta_webhook.py), and what the channel's page
says of it. Public: Meta has no account here; the verify token and the body's signature are the
permission. Exempt from CSRF (this view only): Meta posts without a cookie, and an unsigned post is
refused before anything is read or kept."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from animateur.channels import meta_webhook as hooks
from animateur.channels.models import Channel, MetaNotification, OAuthApp

log = logging.getLogger(__name__)

CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
# What each kind subscribes to, on which object of the app's Webhooks product.
FIELDS = {"instagram": ("Instagram", "mentions"), "facebook": ("Page", "feed")}


def _plain(text: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest, app_id: str) -> HttpResponse:
    apps = hooks.apps_for(app_id)
    if not apps:
        return _plain(_("No workspace registered this Meta app."), 404)
    if request.method == "GET":
        return _subscribe(request, apps)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > hooks.MAX_BODY:
        return _plain(_("The notification is too large."), 413)
    if request.content_type != "application/json":  # Meta's; a form's body is parsed away before this view
        return _plain(_("The notification is not a JSON object with entries."), 400)
    try:
        body = request.body
    except RawPostDataException:
        return _plain(_("The notification is not a JSON object with entries."), 400)
    if len(body) > hooks.MAX_BODY:
        return _plain(_("The notification is too large."), 413)
    signed = hooks.signed_for(apps, body, request.META.get("HTTP_X_HUB_SIGNATURE_256", ""))
    if not signed:
        log.warning("meta webhook for app %s: a notification without a valid signature was refused", app_id)
        return _plain(_("The notification's signature is not the app's."), 403)
    try:
        text = body.decode("utf-8")
        if "\x00" in text:
            raise ValueError("NUL")
        hooks.changes_of(text)
    except (UnicodeDecodeError, ValueError):
        return _plain(_("The notification is not a JSON object with entries."), 400)
    hooks.receive(signed, text)
    return _plain("EVENT_RECEIVED")


def _subscribe(request: HttpRequest, apps: list[OAuthApp]) -> HttpResponse:
    """Meta's check of the address: the challenge echoed when the verify token is the app's."""
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not CHALLENGE.match(challenge):
        return _plain(_("This address is Meta's webhooks callback: it answers Meta's subscription check."), 400)
    if not hooks.token_matches(apps, token):
        return _plain(_("The verify token is not the one shown on the channel's page."), 403)
    return _plain(challenge)


def webhook_setup(request: HttpRequest, channel: Channel, *, can_manage: bool) -> dict[str, Any] | None:
    """What the channel's page says of Meta's webhooks: the address, the verify token (for those who
    manage channels) and the field to subscribe; None for a channel of another network."""
    if channel.kind not in FIELDS:
        return None
    obj, field = FIELDS[channel.kind]
    app = OAuthApp.objects.filter(workspace_id=channel.workspace_id, network=hooks.NETWORK).first()
    last: datetime | None = channel.last_notified_at
    if app is None:
        return {"app": None, "object": obj, "field": field, "last": last}
    failed = MetaNotification.objects.filter(workspace_id=channel.workspace_id, state=MetaNotification.FAILED)
    unread = failed.count()
    unread_reason = failed.order_by("-received_at").values_list("error", flat=True).first() or ""
    callback = request.build_absolute_uri(reverse("channels:meta_webhook", args=(app.client_id,)))
    return {
        "app": app,
        "object": obj,
        "field": field,
        "callback": callback,
        "verify_token": hooks.verify_token(app) if can_manage else "",
        "page_id": str((channel.config or {}).get("page_id") or ""),
        "unread": unread,
        "unread_reason": unread_reason,
        "last": last,
    }

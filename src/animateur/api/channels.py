"""Channel endpoints: the channel pages' health, read through their own selectors, and their three buttons.

What each channel reads (its settings, never its credentials), its health in the words of the list and
the detail pages (the cause of the last failure named as there), when its OAuth token ends
(channels.token_watch), YouTube's quota used today, Meta's webhooks (views_webhook.webhook_setup, the
verify token left out) and, for one channel, its recent runs with what their new messages led to.
Asking for a poll, pausing and resuming go through channels.actions, as the pages' buttons do. No
answer carries the credentials, the cursor or the webhook's verify token.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from animateur.api.inbox import needs
from animateur.api.typing import TokenRequest
from animateur.channels import actions, selectors, token_watch, views_webhook
from animateur.channels.apps import heard_elsewhere
from animateur.channels.connectors import kinds
from animateur.channels.connectors.youtube import quota_of
from animateur.channels.labels import capability_label, cause_label, kind_label
from animateur.channels.listen_terms import terms_for
from animateur.channels.models import Channel
from animateur.core.ids import parse_id

router = Router(tags=["channels"])


class TokenOut(Schema):
    network: str
    # null: the network lets the access last
    expires_at: datetime | None
    # within the days when it is refreshed, or the managers are told it cannot be
    renewal_due: bool
    # the managers were told this expiry could not be avoided: reconnect the channel
    alert_sent: bool


class QuotaOut(Schema):
    used_today: int
    daily_quota: int


class MetaWebhookOut(Schema):
    # whether the workspace registered its Meta app (without it, no notification can arrive)
    app_registered: bool
    object: str
    field: str
    last_notification_at: datetime | None
    # the workspace's notifications that could not be read, and why the latest one could not
    unreadable: int
    unreadable_reason: str


class ChannelOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    # the channel's settings that say what it reads (a feed's address, a hashtag...), never its secrets
    reads: dict[str, Any]
    # a listening source: heard elsewhere, not said to the team; with the terms it searches for
    heard_elsewhere: bool
    listening_terms: list[str] | None
    capabilities: list[str]
    # ok, new, failing, needs_reconnection or paused; and as the pages say it
    status: str
    status_label: str
    paused: bool
    needs_reconnection: bool
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error_cause: str
    # the cause in the pages' words, then the source's own text (in English, as recorded)
    last_error_label: str
    last_error_detail: str
    consecutive_failures: int
    last_run_at: datetime | None
    last_run_items: int
    next_poll_at: datetime | None
    poll_interval_seconds: int
    # what the page says of the source's own limits (YouTube's daily quota)
    source_health: list[str]
    quota: QuotaOut | None
    token: TokenOut | None
    meta_webhook: MetaWebhookOut | None


class RunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    ok: bool
    items: int
    created: int
    updated: int
    rejected: int
    # what the new messages led to, as the page counts them
    opened: int
    joined: int
    history: int
    other: int
    cause: str
    cause_label: str
    error: str


class ChannelDetail(ChannelOut):
    runs: list[RunOut]


class ActionOut(Schema):
    detail: str
    channel: ChannelOut


def _status_label(status: str) -> str:
    # The badge's words (channels/_status.html).
    return {
        "paused": _("Paused"),
        "needs_reconnection": _("Needs reconnection"),
        "failing": _("Failing"),
        "new": _("Not polled yet"),
    }.get(status) or _("Working")


def _hidden(text: str, channel: Channel) -> str:
    """`text` without any of the channel's secrets, should a source have echoed one in its error."""
    try:
        secrets = json.loads(channel.credentials) if channel.credentials else {}
    except ValueError:
        secrets = {}
    for value in secrets.values() if isinstance(secrets, dict) else ():
        if isinstance(value, str) and len(value) >= 4:
            text = text.replace(value, "…")
    return text


def _reads(channel: Channel) -> dict[str, Any]:
    connector = kinds().get(channel.kind)
    if connector is None or connector.form_class is None:
        return {}
    config = channel.config or {}
    fields = [f for f in connector.form_class.base_fields if f not in connector.secret_fields]
    return {f: config[f] for f in fields if config.get(f) not in ("", None)}


def _meta(request: TokenRequest, channel: Channel) -> dict[str, Any] | None:
    setup = views_webhook.webhook_setup(request, channel, can_manage=False)
    if setup is None:
        return None
    return {
        "app_registered": setup["app"] is not None,
        "object": setup["object"],
        "field": setup["field"],
        "last_notification_at": setup["last"],
        "unreadable": setup.get("unread", 0),
        "unreadable_reason": _hidden(str(setup.get("unread_reason", "")), channel),
    }


def _out(request: TokenRequest, channel: Channel) -> dict[str, Any]:
    connector = kinds().get(channel.kind)
    config = channel.config or {}
    token = token_watch.token_state(channel)
    listening = heard_elsewhere(channel.kind)
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "kind_label": kind_label(channel.kind),
        "name": channel.name,
        "reads": _reads(channel),
        "heard_elsewhere": listening,
        "listening_terms": terms_for(channel.workspace_id).texts
        if listening and channel.kind != "feed_listen"
        else None,
        "capabilities": sorted(capability_label(c) for c in (connector.capabilities if connector else ())),
        "status": channel.status,
        "status_label": _status_label(channel.status),
        "paused": channel.paused,
        "needs_reconnection": channel.needs_reconnection,
        "last_success_at": channel.last_success_at,
        "last_error_at": channel.last_error_at,
        "last_error_cause": channel.last_error_cause,
        "last_error_label": cause_label(channel.last_error_cause) if channel.last_error_cause else "",
        "last_error_detail": _hidden(channel.last_error, channel),
        "consecutive_failures": channel.consecutive_failures,
        "last_run_at": channel.last_run_at,
        "last_run_items": channel.last_run_items,
        "next_poll_at": channel.next_poll_at,
        "poll_interval_seconds": channel.poll_interval_seconds,
        "source_health": [str(line) for line in connector.health(config)] if connector else [],
        "quota": dict(zip(("used_today", "daily_quota"), quota_of(config), strict=True))
        if channel.kind == "youtube"
        else None,
        "token": None if token is None else vars(token),
        "meta_webhook": _meta(request, channel),
    }


def _channel(request: TokenRequest, channel_id: str) -> Channel:
    pk = parse_id(channel_id)
    if pk is None:
        raise Http404("no such channel")
    return selectors.channel_of(request.auth.workspace, pk)


@router.get("", response=list[ChannelOut])
@needs("channel.view")
def list_channels(request: TokenRequest) -> Any:
    """The workspace's channels (its community site's own channel aside), by name, with their health."""
    return [_out(request, channel) for channel in selectors.channels_of(request.auth.workspace)]


@router.get("/{channel_id}", response=ChannelDetail)
@needs("channel.view")
def get_channel(request: TokenRequest, channel_id: str) -> Any:
    """One channel, with its 20 latest runs."""
    channel = _channel(request, channel_id)
    runs = [
        {
            "id": row.run.pk,
            "started_at": row.run.started_at,
            "finished_at": row.run.finished_at,
            "ok": row.run.ok,
            "items": row.run.items,
            "created": row.run.created,
            "updated": row.run.updated,
            "rejected": row.run.rejected,
            "opened": row.opened,
            "joined": row.joined,
            "history": row.history,
            "other": row.other,
            "cause": row.run.cause,
            "cause_label": cause_label(row.run.cause) if row.run.cause else "",
            "error": _hidden(row.run.error, channel),
        }
        for row in selectors.runs_with_outcomes(channel)
    ]
    return {**_out(request, channel), "runs": runs}


@router.post("/{channel_id}/poll", response=ActionOut)
@needs("channel.manage")
def poll_channel(request: TokenRequest, channel_id: str) -> Any:
    """A run as soon as a worker is free (a paused channel stays paused and is not read)."""
    channel = _channel(request, channel_id)
    actions.do_poll_channel_now(channel, actor=request.auth.user)
    return {"detail": _("A poll was requested."), "channel": _out(request, channel)}


@router.post("/{channel_id}/pause", response=ActionOut)
@needs("channel.manage")
def pause_channel(request: TokenRequest, channel_id: str) -> Any:
    channel = _channel(request, channel_id)
    actions.do_pause_channel(channel, actor=request.auth.user)
    return {"detail": _("Channel paused."), "channel": _out(request, channel)}


@router.post("/{channel_id}/resume", response=ActionOut)
@needs("channel.manage")
def resume_channel(request: TokenRequest, channel_id: str) -> Any:
    """Resumed and read at once."""
    channel = _channel(request, channel_id)
    actions.do_resume_channel(channel, actor=request.auth.user)
    channel.refresh_from_db()
    return {"detail": _("Channel resumed."), "channel": _out(request, channel)}

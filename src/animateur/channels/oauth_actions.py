"""Every write of the OAuth connect flow: the owner's app per network, the channels connected with a
grant, a token refreshed. The talking to networks is in oauth.py, done before these are called."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from animateur.channels.connectors import get_kind
from animateur.channels.models import Channel, OAuthApp
from animateur.channels.oauth import NETWORKS, Choice, Grant
from animateur.core.actions import ActionError, Actor, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.models import Workspace


def do_save_oauth_app(
    workspace: Workspace, network: str, client_id: str, client_secret: str, *, actor: Actor
) -> OAuthApp:
    """Register (or change) the workspace's app with a network; a secret left empty keeps the stored one."""
    require(actor, workspace, "workspace.settings")
    if network not in NETWORKS or NETWORKS[network].per_server:  # a Mastodon app is registered on each server
        raise ActionError(_("Unknown network: %(network)s.") % {"network": network})
    client_id = client_id.strip()
    if not client_id:
        raise ActionError(_("The app's client id is required."))
    with transaction.atomic(durable=True):
        app = OAuthApp.objects.select_for_update().filter(workspace=workspace, network=network).first()
        if app is None and not client_secret.strip() and NETWORKS[network].needs_secret:
            raise ActionError(_("The app's client secret is required."))
        if app is None:
            app = OAuthApp(workspace=workspace, network=network)
        app.client_id = client_id
        if client_secret.strip():
            app.client_secret = client_secret.strip()
        app.updated_at = timezone.now()
        app.save()
        record(
            workspace,
            actor,
            AuditVerb.CHANNEL_OAUTH_APP_SAVE,
            app,
            {"network": network, "client_id": client_id, "secret_changed": bool(client_secret.strip())},
        )
    return app


def _existing(workspace: Workspace, choice: Choice) -> Channel | None:
    for channel in Channel.objects.filter(workspace=workspace, kind=choice.kind):
        if str((channel.config or {}).get(choice.key) or "") == choice.value:
            return channel
    return None


def do_connect_oauth_channels(
    workspace: Workspace, network: str, choices: list[Choice], *, actor: Actor
) -> list[Channel]:
    """Connect the pages, accounts or channels picked after the consent screen: a new channel for each,
    or the existing channel of the same page reconnected with its new token."""
    from animateur.channels.actions import _enqueue_poll, added_sources
    from animateur.channels.tasks import CLAIM_SECONDS

    require(actor, workspace, "channel.manage")
    if not choices:
        raise ActionError(_("Pick at least one page or account to connect."))
    connected: list[Channel] = []
    with transaction.atomic(durable=True):
        for choice in choices:
            connector = get_kind(choice.kind)
            oauth = {"oauth_network": network, "token_expires_at": choice.expires_at, "token_expiry_alerted": ""}
            channel = _existing(workspace, choice)
            if channel is None:
                channel = Channel(
                    workspace=workspace,
                    kind=choice.kind,
                    name=choice.name[:200],
                    poll_interval_seconds=connector.default_poll_interval,
                )
                stored: dict[str, Any] = {}
            else:
                stored = json.loads(channel.credentials) if channel.credentials else {}
            stored.update({k: v for k, v in choice.secrets.items() if v})
            previous = dict(channel.config or {})
            channel.config = {**previous, **choice.config, **oauth}
            if channel.pk:  # a part read from now on (private messages, mentions) brings its past as history
                channel.source_times = added_sources(
                    channel.kind, previous, channel.config, channel.source_times, timezone.now()
                )
            channel.credentials = json.dumps(stored)
            channel.needs_reconnection = False
            channel.next_poll_at = timezone.now() + timedelta(seconds=CLAIM_SECONDS)
            channel.save()
            connected.append(channel)
        record(
            workspace,
            actor,
            AuditVerb.CHANNEL_OAUTH_CONNECT,
            connected[0],
            {
                "network": network,
                "channels": [{"id": c.pk, "kind": c.kind, "name": c.name} for c in connected],
            },
        )
        for channel in connected:
            _enqueue_poll(channel.pk)
    return connected


def do_refresh_channel_token(channel: Channel, grant: Grant, *, actor: Actor) -> Channel:
    """Keep the fresh token a network gave for the channel's refresh token (oauth.refresh)."""
    require(actor, channel.workspace, "channel.manage")
    with transaction.atomic(durable=True):
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        stored = json.loads(channel.credentials) if channel.credentials else {}
        stored["access_token"] = grant.access_token
        if grant.refresh_token:
            stored["refresh_token"] = grant.refresh_token
        channel.credentials = json.dumps(stored)
        channel.config = {**(channel.config or {}), "token_expires_at": grant.expires_at, "token_expiry_alerted": ""}
        channel.save(update_fields=["credentials", "config"])
        record(
            channel.workspace,
            actor,
            AuditVerb.CHANNEL_TOKEN_REFRESH,
            channel,
            {"expires_at": grant.expires_at, "network": channel.config.get("oauth_network")},
        )
    return channel

"""Tokens renewed before they expire, and managers told days ahead when one cannot be.

Run daily by a task. A channel connected through OAuth keeps when its token ends (config
`token_expires_at`, "" when it does not: Meta's page tokens from a long-lived user token, Google's
refresh tokens). Within REFRESH_DAYS of that time, a token the network lets us refresh (LinkedIn's
refresh token, while it lasts) is refreshed; one that cannot be (no refresh token, the refresh
refused, the workspace's app removed) is announced to the managers ALERT_DAYS ahead, once per expiry,
in the app and by email (channels/alerts.py).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from animateur.channels import alerts, oauth
from animateur.channels.errors import ConnectorError
from animateur.channels.models import Channel, OAuthApp
from animateur.channels.oauth_actions import do_refresh_channel_token
from animateur.core.actions import ActionError, SystemActor

log = logging.getLogger(__name__)
ACTOR = SystemActor("channels.tokens")
REFRESH_DAYS = 10
ALERT_DAYS = 7


def _when(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


@dataclass(frozen=True)
class TokenState:
    """When a channel's OAuth token ends, as check_tokens sees it: never a token itself."""

    network: str
    expires_at: datetime | None  # None: the network lets it last (or did not say)
    renewal_due: bool  # within REFRESH_DAYS: check_tokens refreshes it, or tells the managers it cannot
    alert_sent: bool  # the managers were told that this expiry could not be avoided


def token_state(channel: Channel, now: datetime | None = None) -> TokenState | None:
    """None for a channel not connected through OAuth."""
    config = channel.config or {}
    network = str(config.get("oauth_network") or "")
    if not network:
        return None
    expires = _when(config.get("token_expires_at"))
    due = expires is not None and expires - (now or timezone.now()) <= timedelta(days=REFRESH_DAYS)
    alerted = bool(config.get("token_expires_at")) and config.get("token_expiry_alerted") == config.get(
        "token_expires_at"
    )
    return TokenState(network, expires, due, alerted)


def check_tokens(now: datetime | None = None) -> dict[str, int]:
    """Refresh what can be, tell of what cannot; returns how many of each, for the log."""
    now = now or timezone.now()
    counts = {"refreshed": 0, "alerted": 0}
    for channel in Channel.objects.exclude(config__oauth_network=None).select_related("workspace"):
        expires = _when((channel.config or {}).get("token_expires_at"))
        if expires is None or expires - now > timedelta(days=REFRESH_DAYS):
            continue
        detail = _refresh(channel)
        if not detail:
            counts["refreshed"] += 1
            continue
        already = (channel.config or {}).get("token_expiry_alerted") == channel.config.get("token_expires_at")
        if expires - now <= timedelta(days=ALERT_DAYS) and not already:
            alerts.alert_token_expiring(channel, expires, detail)
            counts["alerted"] += 1
    return counts


def _refresh(channel: Channel) -> str:
    """ "" once refreshed; else why it could not be, in words for the managers' email."""
    network = oauth.network(str(channel.config.get("oauth_network") or ""))
    secrets = json.loads(channel.credentials) if channel.credentials else {}
    if network is None or not secrets.get("refresh_token"):
        return "no refresh token: the network lets this access end"
    app = OAuthApp.objects.filter(workspace=channel.workspace, network=network.name).first()
    if app is None:
        return f"no {network.label} app registered in the workspace any more"
    try:
        grant = oauth.refresh(network, app.client_id, app.client_secret, str(secrets["refresh_token"]))
        do_refresh_channel_token(channel, grant, actor=ACTOR)
    except (ConnectorError, ActionError) as exc:
        log.warning("channel %s: token refresh refused: %s", channel.pk, exc)
        return str(exc)
    return ""

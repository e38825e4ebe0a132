"""Sending one publication to one channel, with the target's idempotency key: the network call alone.
Called outside any transaction; what it returns or raises is stored by the action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from animateur.channels.connectors import connector_for, failures
from animateur.channels.connectors.base import jsonable
from animateur.channels.connectors.mastodon import SOURCE, MastodonConnector, classified
from animateur.channels.errors import PermanentError
from animateur.channels.models import Channel

# The kinds a publication can go to in this first slice of publishing.
PUBLISHABLE_KINDS = ("mastodon",)


@dataclass(frozen=True)
class Sent:
    remote_id: str
    url: str
    created_at: datetime | None
    payload: dict[str, Any]


def send(channel: Channel, text: str, idempotency_key: str) -> Sent:
    """Post `text` on `channel`; the same key sent twice makes one post (Mastodon keeps keys an hour).
    Raises the connector's error, whose words come from the failure table with the network's own message."""
    connector = connector_for(channel)
    if not isinstance(connector, MastodonConnector):
        raise PermanentError(_("This channel cannot publish."), cause="http_error")
    api = connector.api()
    with classified(lambda: connector.last_headers):
        status = api.status_post(text, visibility="public", idempotency_key=idempotency_key)
    payload = jsonable(status)
    if not isinstance(payload, dict) or not payload.get("id"):
        raise failures.failure(failures.NOT_UNDERSTOOD, SOURCE, detail=str(payload)[:200])
    created = parse_datetime(str(payload.get("created_at") or ""))
    return Sent(str(payload["id"]), str(payload.get("url") or payload.get("uri") or ""), created, payload)

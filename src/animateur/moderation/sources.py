"""Hiding or deleting a message at its source, where the channel's connector can.

The channels app owns the connector registry; until a connector declares the capability,
the message is only hidden here, and the audit trail says so.
"""

from __future__ import annotations

import logging
from typing import Any

from animateur.stream.models import Message

log = logging.getLogger(__name__)


def _connector(message: Message) -> Any:
    try:
        from animateur.channels import registry  # type: ignore[attr-defined]
    except ImportError:
        return None
    for name in ("connector_for", "get_connector", "get"):
        getter = getattr(registry, name, None)
        if getter is not None:
            try:
                return getter(message.channel)
            except Exception:
                try:
                    return getter(message.channel.kind)
                except Exception:
                    return None
    return None


def act_at_source(message: Message, what: str) -> bool:
    """`what` is "hide" or "delete"; True when the source did it."""
    if message.channel.kind == "site":
        return True  # our own site: the visibility is the source
    connector = _connector(message)
    capabilities = getattr(connector, "capabilities", ()) or ()
    method = getattr(connector, what, None)
    if connector is None or what not in capabilities or method is None:
        return False
    try:
        method(message)
        return True
    except Exception:
        log.exception("could not %s message %s at its source", what, message.pk)
        return False

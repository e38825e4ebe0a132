"""Hiding, deleting or answering a message at its source, where the channel's connector can.

Connectors declare capabilities (animateur.channels.connectors.base); a channel that cannot
do it keeps the decision here only, and the audit trail says so.
"""

from __future__ import annotations

import logging
from typing import Any

from animateur.stream.models import Message

log = logging.getLogger(__name__)


def connector(message: Message) -> Any:
    try:
        from animateur.channels.connectors.base import connector_for
    except ImportError:  # pragma: no cover - the channels app always ships it
        return None
    try:
        return connector_for(message.channel)
    except Exception:  # no connector for this kind, or it cannot be built (credentials)
        return None


def can(message: Message, capability: str) -> bool:
    found = connector(message)
    return found is not None and capability in {str(c) for c in getattr(found, "capabilities", ())}


def act_at_source(message: Message, what: str) -> bool:
    """`what` is "hide" or "delete"; True when the source did it (our own site always does)."""
    if message.channel.kind == "site":
        return True
    found = connector(message)
    if found is None or what not in {str(c) for c in getattr(found, "capabilities", ())}:
        return False
    try:
        getattr(found, what)(message)
        return True
    except Exception:
        log.exception("could not %s message %s at its source", what, message.pk)
        return False

"""The decisions on a message, with their shared words, for any page that acts on one."""

from __future__ import annotations

from typing import Any

from django import template

from animateur.moderation import decisions

register = template.Library()


@register.simple_tag
def decision_choices() -> list[tuple[str, str, str]]:
    return decisions.decision_choices()


@register.simple_tag
def message_action(name: str) -> Any:
    """One of the shared words: reply, send_reply, escalate, open_conversation, open_message."""
    return getattr(decisions, name.upper())

"""A message's reactions and shares, in the team's words (stream/_counts.html)."""

from __future__ import annotations

from typing import Any

from django import template

from animateur.stream.counts import reaction_label

register = template.Library()


@register.filter
def reaction_kinds(message: Any) -> list[tuple[str, int]]:
    """The kinds people reacted with, most first, each named in the team's language (none counted zero)."""
    kinds = getattr(message, "reactions", None) or {}
    found = [(str(reaction_label(kind)), n) for kind, n in kinds.items() if isinstance(n, int) and n > 0]
    return sorted(found, key=lambda pair: -pair[1])

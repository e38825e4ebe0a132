"""Template filters that show channels' stored codes in words (see channels/labels.py)."""

from __future__ import annotations

from django import template

from animateur.channels import labels

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return labels.kind_label(kind)


@register.filter
def capability_label(capability: str) -> str:
    return labels.capability_label(capability)


@register.filter
def cause_label(code: str) -> str:
    return labels.cause_label(code)

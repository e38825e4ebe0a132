"""{% load audit_labels %}: an audit event's verb and actor in words (see animateur.core.audit_labels)."""

from __future__ import annotations

from typing import Any

from django import template

from animateur.core import audit_labels

register = template.Library()


@register.filter
def audit_verb(verb: str) -> str:
    return audit_labels.verb_label(verb)


@register.filter
def audit_actor(event: Any) -> str:
    return audit_labels.actor_label(event)

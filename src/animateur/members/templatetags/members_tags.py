"""Words for the codes members store (evidence, reasons), so that no code reaches a person untranslated."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from animateur.moderation.labels import trust_label

register = template.Library()

EVIDENCE_LABELS = {
    "same_email": _("The same email"),
    "profile_link": _("A profile link names the other"),
    "same_handle": _("The same handle on another network"),
    "same_name": _("The same name"),
    "similar_name": _("Similar names"),
}
REASON_LABELS = {
    "engagement": _("among the most engaged"),
    "reach": _("many connections"),
    "helpfulness": _("helpful answers"),
    "tone": _("a kind tone"),
}


@register.filter
def evidence_label(kind: str) -> str:
    return str(EVIDENCE_LABELS.get(kind, kind))


@register.filter
def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@register.filter
def percent(value: float) -> str:
    return f"{round(float(value or 0) * 100)} %"


@register.filter
def trust_name(level: str) -> str:
    return str(trust_label(level))

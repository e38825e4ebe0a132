"""Words for the codes members store (evidence, reasons), so that no code reaches a person untranslated."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from animateur.moderation.labels import trust_label

register = template.Library()

EVIDENCE_LABELS = {
    "same_email": _("The same email"),
    "verified_link": _("A link of the Mastodon profile, verified with rel=me, is the other's address"),
    "profile_link": _("The same profile address"),
    "own_domain": _("The Bluesky handle is a domain of their own, where the other's address is"),
    "commenter_blog": _("The blog given with a comment is on the other's site"),
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


PROOF_LABELS = {
    "server": _("verified by the account's server"),
    "checked": _("verified by animateur, the page links back to the profile"),
}
CHECK_ERRORS = {
    "no_rel_me": _("the page does not link back to the profile with rel=me"),
    "not_found": _("the page answered with an error"),
    "unreachable": _("the page could not be reached"),
    "blocked": _("the address is not a public one"),
    "no_profile": _("the profile's own address is unknown"),
}


@register.filter
def proof_label(code: str) -> str:
    return str(PROOF_LABELS.get(code, "")) if code else ""


@register.filter
def check_error_label(code: str) -> str:
    return str(CHECK_ERRORS.get(code, "")) if code else ""


@register.filter
def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@register.filter
def percent(value: float) -> str:
    return f"{round(float(value or 0) * 100)} %"


@register.filter
def trust_name(level: str) -> str:
    return str(trust_label(level))


@register.filter
def iso_date(value: str) -> object:
    """A kept YYYY-MM-DD as a date, for the date filter in the reader's language."""
    import datetime

    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return value

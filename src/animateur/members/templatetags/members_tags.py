"""Words for the codes members store (evidence, reasons), so that no code reaches a person untranslated."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import floatformat
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import get_current_timezone
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


@register.simple_tag
def timeline_items(messages: list[Any]) -> str:
    """The member page's timeline, one <li> a message, built here rather than by a template loop: a
    page of messages through the template language (a dozen nodes and lazy labels per message) took
    most of the page's time. The same markup as a template would write, every value escaped."""
    from animateur.stream.models import Kind, Visibility

    kinds = {k: str(v) for k, v in Kind.choices}
    visibilities = {k: str(v) for k, v in Visibility.choices}
    at_source = str(_("at the source"))
    when = get_format("DATETIME_FORMAT")
    zone = get_current_timezone()
    items = []
    for m in messages:
        at = m.created_at.astimezone(zone)
        hidden = format_html(" · {}", visibilities.get(m.visibility, m.visibility)) if m.visibility != "visible" else ""
        title = format_html("<strong>{}</strong> ", Truncator(m.title).chars(140)) if m.title else ""
        link = format_html(' <a href="{}" rel="noopener noreferrer nofollow">{}</a>', m.url, at_source) if m.url else ""
        items.append(
            format_html(
                '<li data-message="{}"><time datetime="{}">{}</time> · {} · {}{}\n      <br>{}{}{}</li>',
                m.pk,
                at.isoformat(),
                dateformat.format(at, when),
                m.channel.name,
                kinds.get(m.kind, m.kind),
                hidden,
                title,
                Truncator(m.text).chars(280),
                link,
            )
        )
    return mark_safe("\n".join(items))  # noqa: S308 - every piece is format_html's


@register.simple_tag
def member_rows(members: list[Any]) -> str:
    """The member list's rows, built here as the timeline's are: the template loop (six cells, each
    with a translated label, per member) took most of the list's time."""
    from django.urls import reverse

    from animateur.members.models import Level

    labels = [str(x) for x in (_("Member"), _("Channels"), _("Messages"), _("Engagement"), _("Level"), _("Last seen"))]
    levels = {k: str(v) for k, v in Level.choices}
    ambassador, proposed = str(_("Ambassador")), str(_("Proposed"))
    day = get_format("DATE_FORMAT")
    zone = get_current_timezone()
    rows = []
    for m in members:
        try:
            p = m.profile
        except ObjectDoesNotExist:  # not recomputed yet
            p = None
        badge = ""
        if p is not None and p.ambassador:
            badge = format_html(' <span class="badge">{}</span>', ambassador)
        elif p is not None and p.candidate_reasons:
            badge = format_html(' <span class="badge">{}</span>', proposed)
        seen = "—"
        if p is not None and p.last_seen_at:
            at = p.last_seen_at.astimezone(zone)
            seen = format_html('<time datetime="{}">{}</time>', at.isoformat(), dateformat.format(at, day))
        rows.append(
            format_html(
                '<tr data-member="{}">\n      <td data-label="{}"><a href="{}">{}</a>\n        {}</td>\n'
                '      <td data-label="{}">{}</td>\n      <td data-label="{}" data-field="messages">{}</td>\n'
                '      <td data-label="{}" data-field="engagement">{}</td>\n      <td data-label="{}">{}</td>\n'
                '      <td data-label="{}">{}</td>\n    </tr>',
                m.pk,
                labels[0],
                reverse("members:detail", args=[m.pk]),
                m.display_name,
                badge,
                labels[1],
                ", ".join(i.channel.name for i in getattr(m, "channel_list", [])),
                labels[2],
                p.message_count if p is not None else 0,
                labels[3],
                floatformat(p.engagement, 1) if p is not None else "—",
                labels[4],
                levels.get(p.level, p.level) if p is not None else "—",
                labels[5],
                seen,
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every piece is format_html's

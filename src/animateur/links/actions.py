"""Every write of tracked links: create one, delete one, and rewrite a text's links into tracked ones.

A tracked link is a short address on the workspace's own domain (/l/<code>, no third-party
shortener) that redirects to its target; the target carries the UTM parameters of its channel
(utm_source: the channel's kind, utm_medium: « social », utm_campaign: the campaign). The clicks
are counted by clicks.py, which is data ingestion, not a team action (no audit event).

For publishing: `do_track_links_in_text(workspace, text, channel=..., campaign=..., actor=...)` is
the public entry point that replaces every http(s) URL of a text with its tracked short link, in
ONE transaction and with ONE audit event (links.text.track). Publishing may call it from its own
code path (links and publishing are siblings in the layers of .importlinter); links never imports
publishing.
"""

from __future__ import annotations

import re
import secrets
import string

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from animateur.channels.models import Channel
from animateur.core.actions import ActionError, Actor, actor_label, record, require
from animateur.core.audit_verbs import AuditVerb
from animateur.core.events import emit, emit_many
from animateur.core.links import absolute_url
from animateur.core.models import Workspace
from animateur.links.models import CODE_LENGTH, MAX_URL, TrackedLink
from animateur.links.utm import with_utm

ALPHABET = string.ascii_letters + string.digits
MAX_CAMPAIGN = 200
# At most this many links made from one text.
MAX_LINKS_IN_TEXT = 50
MEDIUM = "social"
# An http(s) URL in a text: up to a space or a quote; the punctuation that ends a sentence is not part of it.
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"

_validate = URLValidator(schemes=["http", "https"])


def short_url(link: TrackedLink) -> str:
    """The link's public address, on its workspace's own domain."""
    return absolute_url(link.workspace, "links_public:follow", (link.code,))


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
        if not TrackedLink.objects.filter(code=code).exists():
            return code


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ActionError(_("Give the address the link leads to."))
    if len(url) > MAX_URL:
        raise ActionError(_("An address has at most %(max)d characters.") % {"max": MAX_URL})
    try:
        _validate(url)
    except ValidationError:
        raise ActionError(_("« %(url)s » is not a web address (http:// or https://).") % {"url": url[:100]}) from None
    return url


def _check(workspace: Workspace, channel: Channel | None, campaign: str) -> str:
    if channel is not None and channel.workspace_id != workspace.pk:
        raise ActionError(_("This channel is not one of the workspace's."))
    campaign = (campaign or "").strip()
    if len(campaign) > MAX_CAMPAIGN:
        raise ActionError(_("A campaign's name has at most %(max)d characters.") % {"max": MAX_CAMPAIGN})
    return campaign


def _target(url: str, channel: Channel | None, campaign: str) -> str:
    source = channel.kind if channel is not None else ""
    return with_utm(url, source=source, medium=MEDIUM if source else "", campaign=campaign)


def _make(workspace: Workspace, url: str, channel: Channel | None, campaign: str) -> TrackedLink:
    target = _target(url, channel, campaign)
    if len(target) > MAX_URL:
        raise ActionError(_("An address has at most %(max)d characters.") % {"max": MAX_URL})
    return TrackedLink.objects.create(
        workspace=workspace, code=new_code(), target=target, channel=channel, campaign=campaign
    )


def _created(link: TrackedLink, actor: Actor) -> tuple[str, dict[str, object]]:
    return (
        "link.created",
        {
            "link_id": link.pk,
            "code": link.code,
            "url": short_url(link),
            "target": link.target,
            "channel_id": link.channel_id,
            "campaign": link.campaign,
            "by": actor_label(actor),
        },
    )


def do_create_tracked_link(
    workspace: Workspace, url: str, *, channel: Channel | None = None, campaign: str = "", actor: Actor
) -> TrackedLink:
    require(actor, workspace, "links.manage")
    url = check_url(url)
    campaign = _check(workspace, channel, campaign)
    with transaction.atomic(durable=True):
        link = _make(workspace, url, channel, campaign)
        record(workspace, actor, AuditVerb.LINKS_LINK_CREATE, link, {"code": link.code, "target": link.target})
        name, data = _created(link, actor)
        emit(workspace, name, data)
    return link


def do_delete_tracked_link(link: TrackedLink, *, actor: Actor) -> None:
    """The link stops redirecting (its address answers 404), and its clicks are forgotten."""
    workspace = link.workspace
    require(actor, workspace, "links.manage")
    with transaction.atomic(durable=True):
        record(
            workspace,
            actor,
            AuditVerb.LINKS_LINK_DELETE,
            link,
            {"code": link.code, "target": link.target, "clicks": link.clicks},
        )
        link.delete()


def urls_in(text: str) -> list[str]:
    """The http(s) URLs of a text, in order, without the punctuation that ends a sentence."""
    return [match.group(0).rstrip(TRAILING) for match in URL_IN_TEXT.finditer(text or "")]


def do_track_links_in_text(
    workspace: Workspace, text: str, *, channel: Channel | None, campaign: str = "", actor: Actor
) -> str:
    """The text with each of its http(s) URLs replaced by a new tracked link (with the channel's UTM);
    everything else is kept as it was. The workspace's own tracked links are left as they are. A URL
    that is not a valid address is left as it is. A text without URLs comes back unchanged, and then
    nothing is recorded."""
    require(actor, workspace, "links.manage")
    campaign = _check(workspace, channel, campaign)
    own_prefix = short_url(TrackedLink(workspace=workspace, code="x"))[:-1]
    wanted: list[str] = []
    for url in urls_in(text):
        if url.startswith(own_prefix) or url in wanted:
            continue
        try:
            check_url(url)
        except ActionError:
            continue
        wanted.append(url)
    if not wanted:
        return text
    if len(wanted) > MAX_LINKS_IN_TEXT:
        raise ActionError(_("At most %(max)d links in one text.") % {"max": MAX_LINKS_IN_TEXT})
    with transaction.atomic(durable=True):
        made = {url: _make(workspace, url, channel, campaign) for url in wanted}
        record(
            workspace,
            actor,
            AuditVerb.LINKS_TEXT_TRACK,
            channel,
            {"codes": [link.code for link in made.values()], "campaign": campaign},
        )
        emit_many(workspace, [_created(link, actor) for link in made.values()])

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        url = found.rstrip(TRAILING)
        link = made.get(url)
        return found if link is None else short_url(link) + found[len(url) :]

    return URL_IN_TEXT.sub(replace, text)


def track_links_in_text(
    workspace: Workspace, text: str, *, channel: Channel | None, campaign: str = "", actor: Actor
) -> str:
    """The helper's name as the issue's brief gives it: `do_track_links_in_text`."""
    return do_track_links_in_text(workspace, text, channel=channel, campaign=campaign, actor=actor)

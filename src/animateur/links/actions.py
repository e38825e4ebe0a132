"""Every write of tracked links: create one, delete one, and rewrite a text's links into tracked ones.

A tracked link is a short address on the workspace's own domain (/l/<code>, no third-party
shortener) that redirects to its target; the target carries the UTM parameters of its channel
(utm_source: the channel's kind, utm_medium: « social », utm_campaign: the campaign). The clicks
are counted by clicks.py, which is data ingestion, not a team action (no audit event).

For publishing: `do_track_links_in_text(workspace, text, channel=..., campaign=..., actor=...)` is
the public action that replaces every http(s) URL of a text with its tracked short link (UTM of the
channel's kind), in ONE transaction and with ONE audit event (links.text.track); publishing may call
it from its own code path, before its own action (links and publishing are siblings in the layers of
.importlinter; links never imports publishing). Inside one of publishing's own actions, whose
durable transaction is already open, it calls `track_links_in_text` instead: the same rewriting, in
the caller's transaction, covered by the caller's one audit event.
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
# An http(s) URL in a text: up to a space, a quote or an invisible format character (zero-width spaces
# and the byte-order mark, which end 97 of the 220 URLs of the YouTube spam comments); the punctuation
# that ends a sentence is not part of it.
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'«»\u200b-\u200d\u2060\ufeff]+", re.IGNORECASE)
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


def _track(
    workspace: Workspace, text: str, channel: Channel | None, campaign: str, actor: Actor
) -> tuple[str, list[TrackedLink]]:
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
        return text, []
    if len(wanted) > MAX_LINKS_IN_TEXT:
        raise ActionError(_("At most %(max)d links in one text.") % {"max": MAX_LINKS_IN_TEXT})
    made = {url: _make(workspace, url, channel, campaign) for url in wanted}
    emit_many(workspace, [_created(link, actor) for link in made.values()])

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        url = found.rstrip(TRAILING)
        link = made.get(url)
        return found if link is None else short_url(link) + found[len(url) :]

    return URL_IN_TEXT.sub(replace, text), list(made.values())


def track_links_in_text(
    workspace: Workspace, text: str, *, channel: Channel | None, campaign: str = "", actor: Actor
) -> str:
    """The helper for another app's action (publishing's), called inside that action's own transaction,
    whose one audit event then covers the links made (a public action never calls another, and a durable
    transaction cannot be nested). Makes the links and emits their link.created events; records nothing."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "track_links_in_text runs inside its caller's transaction; alone, call do_track_links_in_text"
        )
    return _track(workspace, text, channel, campaign, actor)[0]


def do_track_links_in_text(
    workspace: Workspace, text: str, *, channel: Channel | None, campaign: str = "", actor: Actor
) -> str:
    """The text with each of its http(s) URLs replaced by a new tracked link (with the channel's UTM),
    in one transaction with one audit event; everything else is kept as it was. The workspace's own
    tracked links, and what is not a valid address, are left as they are. A text without URLs comes back
    unchanged, and then nothing is recorded."""
    with transaction.atomic(durable=True):
        out, made = _track(workspace, text, channel, campaign, actor)
        if made:
            record(
                workspace,
                actor,
                AuditVerb.LINKS_TEXT_TRACK,
                channel,
                {"codes": [link.code for link in made], "campaign": campaign},
            )
    return out

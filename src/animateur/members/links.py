"""Profile links: the addresses a Mastodon profile names in its fields, and the proof they are the person's.

Mastodon's server checks each field's page for a link back to the profile with rel="me" and, when it
finds one, gives the field a `verified_at`. animateur checks the others itself: it fetches the page
through channels.safe_http (size and time limits, public addresses only unless
ANIMATEUR_ALLOW_PRIVATE_URLS) and looks for `<a rel="me">` or `<link rel="me">` naming the profile.

Private helpers of members.actions: reading the stream's Mastodon messages (`collect`) and checking
pages (`check`); the action records the audit event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from animateur.core.models import Workspace
from animateur.members.models import LinkProof, MembersSettings, ProfileLink
from animateur.members.resolution import LinkRow, url_key
from animateur.stream.models import Identity, Message

log = logging.getLogger(__name__)
MAX_PAGE = 1024 * 1024
CHUNK = 5000


class _Anchors(HTMLParser):
    """The hrefs of anchors and links, with their rel words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, set[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("a", "link"):
            return
        values = {k.lower(): v or "" for k, v in attrs}
        if values.get("href"):
            self.found.append((values["href"].strip(), set(values.get("rel", "").lower().split())))


def anchors(html: str) -> list[tuple[str, set[str]]]:
    parser = _Anchors()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a page that cannot be read names nothing
        return []
    return parser.found


def field_links(fields: Any) -> list[tuple[str, str | None]]:
    """The web addresses of a Mastodon account's `fields`, each with its `verified_at` (None if not)."""
    found: list[tuple[str, str | None]] = []
    if not isinstance(fields, list):
        return found
    for item in fields:
        if not isinstance(item, dict):
            continue
        value = str(item.get("value") or "")
        hrefs = [href for href, _rel in anchors(value)] if "<" in value else [value.strip()]
        for href in hrefs:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https") and parts.hostname and len(href) <= 500:
                verified = item.get("verified_at")
                found.append((href, str(verified) if verified else None))
    return found


def collect(workspace: Workspace) -> int:
    """Read the profile links of the Mastodon messages received since the last reading; returns how many
    links are new or newly verified by their server."""
    settings, _created = MembersSettings.objects.get_or_create(workspace=workspace)
    rows = (
        Message.objects.filter(workspace=workspace, author__origin="mastodon", pk__gt=settings.links_read_to)
        .values_list("id", "author_id", "raw__account__fields")
        .order_by("id")
    )
    latest: dict[int, Any] = {}
    last_id = settings.links_read_to
    for message_id, author_id, fields in rows.iterator(chunk_size=CHUNK):
        latest[author_id] = fields
        last_id = message_id
    changed = 0
    for author_id, fields in latest.items():
        changed += _store(workspace, author_id, field_links(fields))
    if last_id != settings.links_read_to:
        MembersSettings.objects.filter(pk=settings.pk).update(links_read_to=last_id)
    return changed


def _store(workspace: Workspace, identity_id: int, found: Iterable[tuple[str, str | None]]) -> int:
    changed = 0
    for url, verified_at in found:
        link, created = ProfileLink.objects.get_or_create(
            workspace=workspace, identity_id=identity_id, url=url, defaults={"proof": ""}
        )
        if verified_at and link.proof != LinkProof.SERVER:
            link.proof = LinkProof.SERVER
            link.verified_at = parse_datetime(verified_at) or timezone.now()
            link.save(update_fields=["proof", "verified_at"])
            changed += 1
        elif created:
            changed += 1
    return changed


def link_rows(workspace: Workspace) -> list[LinkRow]:
    """The links of the workspace's people (not of the team's accounts), for resolution."""
    rows = ProfileLink.objects.filter(
        workspace=workspace, identity__member__merged_into=None, identity__user=None
    ).values_list("identity__member_id", "url", "proof")
    return [LinkRow(*row) for row in rows]


def profile_addresses(identity: Identity) -> set[str]:
    """The addresses a page may use to name a Mastodon profile: `/@alice` and `/users/alice`."""
    keys = {url_key(identity.url)} if identity.url else set()
    handle = identity.handle.lstrip("@")
    host = urlsplit(identity.url).hostname if identity.url else None
    if host and handle:
        user = handle.split("@", 1)[0]
        keys |= {
            f"{host.removeprefix('www.')}/@{user}".casefold(),
            f"{host.removeprefix('www.')}/users/{user}".casefold(),
        }
    return {k for k in keys if k}


@dataclass(frozen=True)
class Check:
    ok: bool
    error: str = ""


def check(url: str, identity: Identity) -> Check:
    """Fetch the page and look for rel="me" naming the profile (the network is the caller's, not a transaction's)."""
    from animateur.channels import safe_http
    from animateur.channels.errors import ConnectorError

    targets = profile_addresses(identity)
    if not targets:
        return Check(False, "no_profile")
    try:
        response = safe_http.fetch(url, max_bytes=MAX_PAGE)
    except safe_http.BlockedAddress:
        return Check(False, "blocked")
    except ConnectorError as exc:
        log.info("profile link %s could not be read: %s", url, exc)
        return Check(False, "unreachable")
    if response.status >= 400:
        return Check(False, "not_found")
    html = response.content.decode("utf-8", errors="replace")
    for href, rel in anchors(html):
        if "me" in rel and url_key(urljoin(response.url, href)) in targets:
            return Check(True)
    return Check(False, "no_rel_me")

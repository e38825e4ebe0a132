"""RSS and Atom feeds, with feedparser: any feed URL, fetched safely with a conditional GET.

A feed shows its latest entries; each poll reads it whole (entries already stored are recognised
as unchanged, edited ones update their message). The cursor keeps the ETag and Last-Modified of
the last answer, so an unchanged feed costs one 304 and no parsing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from django import forms
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from animateur.channels import safe_http
from animateur.channels.connectors.base import Capability, Connector, RawItem, jsonable, read_item, register
from animateur.channels.errors import MalformedItem, PermanentError
from animateur.stream.items import AuthorInfo, Incoming
from animateur.stream.models import Kind


class FeedForm(forms.Form):
    url = forms.URLField(
        label=_("Feed address"),
        assume_scheme="https",
        max_length=1000,
        help_text=_("The address of an RSS or Atom feed."),
    )


def _time(entry: dict[str, Any], *names: str) -> datetime | None:
    for name in names:
        parsed = entry.get(f"{name}_parsed")
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (ValueError, OverflowError, OSError) as exc:  # "0000-00-00", a database's empty date
                raise MalformedItem(
                    gettext("its date “%(date)s” is not a date") % {"date": entry.get(name) or ""}
                ) from exc
    return None


def parse_feed(content: bytes, headers: dict[str, str] | None = None) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(content, response_headers=headers or {})
    if not parsed.entries and not parsed.feed.get("title") and (parsed.bozo or not parsed.get("version")):
        raise PermanentError(gettext("this address does not serve an RSS or Atom feed"), cause="not_a_feed")
    return parsed


def _entry(entry: feedparser.FeedParserDict, cursor: dict[str, Any] | None) -> RawItem:
    payload = jsonable({k: v for k, v in entry.items() if not k.endswith("_parsed")})
    payload["_updated"] = (_time(entry, "updated", "published") or timezone.now()).isoformat()
    payload["_published"] = (_time(entry, "published", "updated") or timezone.now()).isoformat()
    external_id = entry.get("id") or entry.get("link") or ""
    return RawItem(external_id, _time(entry, "updated", "published"), "entry", payload, cursor, extra={"source": "url"})


@register
class FeedConnector(Connector):
    kind = "rss"
    label = _("RSS or Atom feed")
    capabilities = frozenset({Capability.READ})
    form_class = FeedForm
    default_poll_interval = 900
    # The feed's address is the channel's one source: a new address brings a new feed whose past is history
    # (see channels/runner.py), and the validators of the old one are not sent to it.
    source_fields = ("url",)

    def _get(self, since: dict[str, Any]) -> tuple[int, feedparser.FeedParserDict | None, dict[str, Any]]:
        url = str(self.config.get("url") or "")
        headers = {"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"}
        # A cursor from before cursors named their feed is taken as this feed's.
        same_feed = since.get("url", url) == url
        if same_feed and since.get("etag"):
            headers["If-None-Match"] = since["etag"]
        if same_feed and since.get("last_modified"):
            headers["If-Modified-Since"] = since["last_modified"]
        response = safe_http.fetch(url, headers=headers)
        if response.status == 304:
            return 304, None, since
        safe_http.raise_for_status(response, "feed's server")
        parsed = parse_feed(response.content, dict(response.headers))
        cursor = {
            k: v
            for k, v in (
                ("url", url),
                ("etag", response.headers.get("etag")),
                ("last_modified", response.headers.get("last-modified")),
            )
            if v
        }
        return response.status, parsed, cursor

    def fetch(self, since: dict[str, Any]) -> Iterator[RawItem]:
        status, parsed, cursor = self._get(since)
        if parsed is None:
            return
        entries = list(parsed.entries)
        entries.reverse()  # feeds list the newest first; store oldest first
        for n, entry in enumerate(entries):
            # Only the last entry carries the new validators: a run cut short fetches the whole feed again.
            valid_after = cursor if n == len(entries) - 1 else None
            kept = {k: v for k, v in entry.items() if not k.endswith("_parsed")}
            yield read_item(
                str(entry.get("id") or entry.get("link") or ""), kept, valid_after, _entry, entry, valid_after
            )

    def normalize(self, raw: RawItem) -> Incoming:
        entry = raw.payload
        if not raw.external_id:
            raise MalformedItem(gettext("this entry has neither an id nor a link"))
        content = entry.get("content") or []
        html = (content[0].get("value") if content else None) or entry.get("summary") or ""
        author = None
        if entry.get("author"):
            detail = entry.get("author_detail") or {}
            author = AuthorInfo(
                external_id=detail.get("email") or detail.get("href") or entry["author"],
                # "redaction@example.org (La rédaction)" in RSS: the name, not the whole field.
                display_name=detail.get("name") or entry["author"],
                email=detail.get("email") or "",
                url=detail.get("href") or "",
            )
        from django.utils.dateparse import parse_datetime

        return Incoming(
            channel=self.channel,
            external_id=raw.external_id,
            text="",
            html=html,
            title=entry.get("title") or "",
            url=entry.get("link") or "",
            created_at=parse_datetime(entry["_published"]) or timezone.now(),
            author=author,
            # Somebody else's publication that we hear of (a blog, an alert feed naming the brand): a
            # mention to read in the inbox, not a post of ours nor a comment on one.
            kind=Kind.MENTION,
            raw=entry,
        )

    def test_connection(self) -> str:
        _status, parsed, _cursor = self._get({})
        assert parsed is not None
        count = len(parsed.entries)
        return ngettext("Feed “%(title)s” with %(count)d entry", "Feed “%(title)s” with %(count)d entries", count) % {
            "title": parsed.feed.get("title") or "?",
            "count": count,
        }

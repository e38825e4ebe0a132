"""Link previews: the card of the first link of a publication (its page's title, description and image,
from the OpenGraph and Twitter meta of the page), shown in the composer and sent with a Bluesky post.

Every fetch goes through safe_http (public addresses only, unless private URLs are allowed; the size,
time and redirect limits), with smaller limits of its own: a page that cannot be read, is not HTML or
has nothing to show gives no card, never an error. A card is cached briefly, and a failure more
briefly still, so that typing in the composer does not fetch the page again at each key.

On the networks: Bluesky shows a card only when the client sends one, so a post with a link goes out
with an `app.bsky.embed.external` (the link, title, description, and the image uploaded as a blob when
there is one). Mastodon, Discourse and WordPress read the page themselves and build their own preview;
the blog shows the link as written.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core.cache import cache

from animateur.channels import safe_http
from animateur.channels.errors import ConnectorError
from animateur.core.models import Workspace

log = logging.getLogger(__name__)

# A page is read up to this much (its head is at the start), in this much time.
PAGE_BYTES = 1_000_000
TIMEOUT_SECONDS = 5.0
# Bluesky refuses a thumb blob over 1,000,000 bytes.
IMAGE_BYTES = 1_000_000
CARD_SECONDS = 15 * 60
FAILURE_SECONDS = 60
MAX_TITLE = 300
MAX_DESCRIPTION = 1000
# A link as the networks see it: its trailing punctuation is the sentence's, not the link's.
LINK = re.compile(r"https?://[^\s<>\"'«»)\]]+[^\s<>\"'«»)\].,;:!?]")
_CACHE_PREFIX = "publishing:preview:"


@dataclass(frozen=True)
class Card:
    url: str  # the page's address, after redirects
    title: str
    description: str = ""
    image: str = ""  # an absolute address, or ""
    site_name: str = ""


def first_link(text: str) -> str | None:
    found = LINK.search(text or "")
    return found.group(0) if found else None


class _Meta(HTMLParser):
    """The <meta> and <title> of a page's head; stops at the body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.done:
            self.title += data


def _clean(value: str, limit: int) -> str:
    value = re.sub(r"\s+", " ", unescape(value or "")).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def card_of_html(html: str, url: str) -> Card | None:
    """The card a page's meta describe, or None when it has no title at all."""
    parser = _Meta()
    try:
        parser.feed(html)
    except Exception:  # noqa: BLE001 - a broken page gives what was read before the break
        log.debug("preview of %s: page not parsed to its end", url)
    meta = parser.meta

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k)), "")

    title = _clean(first("og:title", "twitter:title") or parser.title, MAX_TITLE)
    if not title:
        return None
    description = _clean(first("og:description", "twitter:description", "description"), MAX_DESCRIPTION)
    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    image = urljoin(url, image) if image else ""
    if image and urlsplit(image).scheme not in ("http", "https"):
        image = ""
    return Card(url, title, description, image[:1000], _clean(first("og:site_name"), 200))


def _key(url: str) -> str:
    return _CACHE_PREFIX + hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def _decoded(fetched: safe_http.Fetched) -> str:
    kind = fetched.headers.get("content-type", "")
    charset = re.search(r"charset=([\w-]+)", kind, re.IGNORECASE)
    try:
        return fetched.content.decode(charset.group(1) if charset else "utf-8", errors="replace")
    except LookupError:
        return fetched.content.decode("utf-8", errors="replace")


def fetch_card(url: str) -> Card | None:
    """The card of the page at `url` (cached), or None when the page gives none (unreachable, refused,
    too big, too slow, not HTML, no title). Never raises for the page's sake."""
    key = _key(url)
    cached = cache.get(key)
    if cached is not None:
        return Card(**cached) if cached else None
    card = None
    try:
        fetched = safe_http.fetch(
            url,
            max_bytes=PAGE_BYTES,
            timeout=TIMEOUT_SECONDS,
            within=TIMEOUT_SECONDS,
            headers={"Accept": "text/html,*/*;q=0.1"},
        )
        kind = fetched.headers.get("content-type", "text/html").lower()
        if fetched.status < 400 and ("html" in kind or "xml" in kind):
            card = card_of_html(_decoded(fetched), fetched.url)
    except ConnectorError as exc:
        log.info("no preview for %s: %s", url, exc)
    except Exception:  # noqa: BLE001 - a link's page must never break the composer or a send
        log.warning("no preview for %s", url, exc_info=True)
    cache.set(key, asdict(card) if card else {}, CARD_SECONDS if card else FAILURE_SECONDS)
    return card


def page_of(workspace: Workspace, url: str) -> str:
    """The page a link leads to: a tracked link of the workspace stands for its target."""
    from animateur.links.actions import short_url
    from animateur.links.models import CODE_LENGTH, TrackedLink

    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments and len(segments[-1]) == CODE_LENGTH:
        link = TrackedLink.objects.filter(workspace=workspace, code=segments[-1]).first()
        if link is not None and short_url(link).rstrip("/") == url.rstrip("/"):
            return link.target
    return url


def card_for_text(workspace: Workspace, text: str) -> tuple[str, Card | None] | None:
    """(the link as written, its card) for the first link of `text`; None when it has no link."""
    link = first_link(text)
    if link is None:
        return None
    return link, fetch_card(page_of(workspace, link))


def thumb(card: Card) -> bytes | None:
    """The card's image, when it is one and small enough for Bluesky; None otherwise."""
    if not card.image:
        return None
    try:
        fetched = safe_http.fetch(card.image, max_bytes=IMAGE_BYTES, timeout=TIMEOUT_SECONDS, within=TIMEOUT_SECONDS)
    except ConnectorError as exc:
        log.info("no preview image %s: %s", card.image, exc)
        return None
    except Exception:  # noqa: BLE001
        log.warning("no preview image %s", card.image, exc_info=True)
        return None
    kind = fetched.headers.get("content-type", "").lower()
    if fetched.status >= 400 or not kind.startswith("image/") or not fetched.content:
        return None
    return fetched.content


def bluesky_external(client: Any, workspace: Workspace, text: str) -> Any:
    """Bluesky's external embed for the first link of `text` (its thumb uploaded as a blob), or None
    when the text has no link or its page gives no card. An image that fails to upload is left out."""
    from atproto import models as at

    found = card_for_text(workspace, text)
    if found is None:
        return None
    link, card = found
    if card is None:
        return None
    blob = None
    image = thumb(card)
    if image is not None:
        try:
            blob = client.upload_blob(image).blob
        except Exception as exc:  # noqa: BLE001 - the post goes out with its card, without the image
            log.warning("preview image of %s not uploaded to Bluesky: %s", link, exc)
    return at.AppBskyEmbedExternal.Main(
        external=at.AppBskyEmbedExternal.External(uri=link, title=card.title, description=card.description, thumb=blob)
    )

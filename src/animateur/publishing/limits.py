"""Each network's rules for a text, read from the network itself where it says them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from animateur.channels.models import Channel

# Used only for a Mastodon server that does not say its limit (an old version, a Pleroma).
MASTODON_FALLBACK = 500
# Mastodon counts every link as 23 characters, whatever its length, and a mention by its user name only.
MASTODON_URL_LENGTH = 23
_URL = re.compile(r"https?://\S+")
_MENTION_DOMAIN = re.compile(r"(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Bluesky's app.bsky.feed.post: at most 300 graphemes (and 3000 bytes of UTF-8), the same for every account.
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
_ZWJ = "\u200d"
_REGIONAL = range(0x1F1E6, 0x1F200)


@dataclass(frozen=True)
class Limit:
    max_characters: int
    from_server: bool  # False: the server did not say, the fallback applies


def limit_of(channel: Channel) -> Limit:
    if channel.kind == "bluesky":
        return Limit(BLUESKY_GRAPHEMES, True)
    try:
        learned = int((channel.config or {}).get("max_characters") or 0)
    except (TypeError, ValueError):
        learned = 0
    if learned > 0:
        return Limit(learned, True)
    return Limit(MASTODON_FALLBACK, False)


def mastodon_length(text: str) -> int:
    """The length Mastodon counts: each link 23, a mention without its domain."""
    text = _MENTION_DOMAIN.sub(r"\1", text)
    return len(_URL.sub("x" * MASTODON_URL_LENGTH, text))


def graphemes(text: str) -> int:
    """The user-perceived characters of `text` (Unicode's extended grapheme clusters, for the cases a post
    meets: combining marks, variation selectors, skin tones, emoji joined by ZWJ, flags, CR LF)."""
    count = 0
    previous = ""
    regional_open = False
    for char in text:
        code = ord(char)
        joins = (
            count > 0
            and (
                unicodedata.category(char) in ("Mn", "Me", "Mc")
                or 0xFE00 <= code <= 0xFE0F
                or 0x1F3FB <= code <= 0x1F3FF
                or 0xE0020 <= code <= 0xE007F
                or char == _ZWJ
                or previous == _ZWJ
                or (previous == "\r" and char == "\n")
            )
        ) or (code in _REGIONAL and regional_open)
        regional_open = (not regional_open if not joins else False) if code in _REGIONAL else False
        if not joins:
            count += 1
        previous = char
    return count


def broken_rule(channel: Channel, text: str) -> str | None:
    """Why `text` cannot go to `channel`, naming the server's own limit; None when it can."""
    if not text.strip():
        return _("The text is empty.")
    if channel.kind == "site":
        return None  # the blog takes any length; its title is the text's first line
    if channel.kind == "bluesky":
        count = graphemes(text)
        if count <= BLUESKY_GRAPHEMES and len(text.encode()) > BLUESKY_BYTES:
            return _("%(channel)s takes at most %(max)d bytes (Bluesky's limit); this text has %(n)d.") % {
                "channel": channel.name,
                "max": BLUESKY_BYTES,
                "n": len(text.encode()),
            }
        if count > BLUESKY_GRAPHEMES:
            return _("%(channel)s takes at most %(max)d characters (Bluesky's limit); this text has %(n)d.") % {
                "channel": channel.name,
                "max": BLUESKY_GRAPHEMES,
                "n": count,
            }
        return None
    limit = limit_of(channel)
    length = mastodon_length(text)
    if length > limit.max_characters:
        if limit.from_server:
            rule = _("%(channel)s takes at most %(max)d characters (the limit of its server); this text has %(n)d.")
        else:
            rule = _(
                "%(channel)s takes at most %(max)d characters (its server did not say its own limit); "
                "this text has %(n)d."
            )
        return rule % {"channel": channel.name, "max": limit.max_characters, "n": length}
    return None

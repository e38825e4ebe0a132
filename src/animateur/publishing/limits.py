"""Each network's rules for a text, read from the network itself where it says them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from animateur.channels.models import Channel
from animateur.publishing.titles import first_line

# Used only for a Mastodon server that does not say its limit (an old version, a Pleroma).
MASTODON_FALLBACK = 500
# Mastodon counts every link as 23 characters, whatever its length, and a mention by its user name only.
MASTODON_URL_LENGTH = 23
_URL = re.compile(r"https?://\S+")
_MENTION_DOMAIN = re.compile(r"(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Bluesky's app.bsky.feed.post: at most 300 graphemes (and 3000 bytes of UTF-8), the same for every account.
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
# Reddit: a post's title has at most 300 characters (its first line here).
REDDIT_TITLE = 300
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
    if channel.kind == "reddit":
        title = first_line(text)[0]
        if len(title) > REDDIT_TITLE:
            return _(
                "%(channel)s takes a title of at most %(max)d characters (Reddit's limit: the title is the "
                "first line); this one has %(n)d."
            ) % {"channel": channel.name, "max": REDDIT_TITLE, "n": len(title)}
        return None
    if channel.kind in ("discourse", "wordpress"):
        return None  # the forum or the site says its own rules (a title's least length) when it refuses
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


# The networks whose posts can answer one another, so that a long text goes out as a thread.
THREADING_KINDS = ("mastodon", "bluesky")
MAX_THREAD_PARTS = 25
_SENTENCE_END = re.compile(r"[.!?…»)]$")


def threads(channel: Channel) -> bool:
    return channel.kind in THREADING_KINDS


def _numbered(parts: list[str]) -> list[str]:
    if len(parts) == 1:
        return parts
    return [f"{part} ({number}/{len(parts)})" for number, part in enumerate(parts, 1)]


def split_thread(channel: Channel, text: str) -> list[str] | None:
    """`text` cut into the fewest parts the channel takes, each ending « (n/total) » when there are several:
    at a paragraph, else after a sentence, else between words; None when it cannot be (a single word
    longer than the limit, or more than MAX_THREAD_PARTS parts)."""
    if broken_rule(channel, text) is None:
        return [text]

    def fits(part: str) -> bool:
        # Fewer code points than the limit is fewer graphemes too: the count is needed only near it.
        if channel.kind == "bluesky" and len(part) <= BLUESKY_GRAPHEMES and len(part.encode()) <= BLUESKY_BYTES:
            return True
        return broken_rule(channel, part) is None

    words = re.findall(r"\S+|\n\n+|\n", text)
    # Reserve room for the widest numbering: every part is checked with « (25/25) ».
    mark = f" ({MAX_THREAD_PARTS}/{MAX_THREAD_PARTS})"
    parts: list[str] = []
    current = ""
    for word in words:
        if word.startswith("\n"):
            current = current.rstrip() + ("\n\n" if len(word) > 1 else "\n") if current else current
            continue
        candidate = f"{current}{'' if not current or current.endswith(chr(10)) else ' '}{word}"
        if fits(candidate.strip() + mark):
            current = candidate
            continue
        if not current.strip():
            return None  # one word alone is too long
        head, tail = _cut(current)
        parts.append(head)
        current = f"{tail} {word}" if tail else word
        if tail and not fits(current + mark):
            parts.append(tail)
            current = word
        if not fits(current + mark):
            return None  # one word alone is too long
        if len(parts) >= MAX_THREAD_PARTS:
            return None
    if current.strip():
        parts.append(current.strip())
    if len(parts) > MAX_THREAD_PARTS:
        return None
    return _numbered([part.strip() for part in parts if part.strip()])


def _cut(current: str) -> tuple[str, str]:
    """A full part cut at its last paragraph, else its last sentence, if that keeps half of it."""
    body = current.strip()
    for separator in ("\n\n", "\n"):
        at = body.rfind(separator)
        if at >= len(body) // 2:
            return body[:at].strip(), body[at:].strip()
    words = body.split(" ")
    for index in range(len(words) - 1, len(words) // 2, -1):
        if _SENTENCE_END.search(words[index - 1]):
            return " ".join(words[:index]).strip(), " ".join(words[index:]).strip()
    return body, ""

"""Each network's rules for a text, read from the network itself where it says them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from animateur.channels.models import Channel

# Used only for a Mastodon server that does not say its limit (an old version, a Pleroma).
MASTODON_FALLBACK = 500
# Mastodon counts every link as 23 characters, whatever its length, and a mention by its user name only.
MASTODON_URL_LENGTH = 23
_URL = re.compile(r"https?://\S+")
_MENTION_DOMAIN = re.compile(r"(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Limit:
    max_characters: int
    from_server: bool  # False: the server did not say, the fallback applies


def limit_of(channel: Channel) -> Limit:
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


def broken_rule(channel: Channel, text: str) -> str | None:
    """Why `text` cannot go to `channel`, naming the server's own limit; None when it can."""
    if not text.strip():
        return _("The text is empty.")
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

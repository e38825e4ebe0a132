"""A link dropped in a forum post or a blog comment with hardly a word of its own.

Blog comment spam is mostly backlinks: « Very informative post, keep sharing! » and a link to a
removals company. Its words are ordinary, so the spam model, which reads words, lets it through;
what gives it away is its shape in context: a newcomer's comment that is a link and a greeting.
A forum post or a blog comment (the ``forum`` register: Discourse, WordPress, the community site)
that links to a site other than the community's own and has fewer than ``MAX_WORDS`` words of
three letters or more besides is held for a moderator, when its author is new (the pipeline) or
unknown (``animateur score``). Email and social posts are left alone: a link shared with a word
is what they are for.

Measured on the data folder (development and training splits together, since nothing is learnt):
of the Stack Exchange questions and answers, 1,110 of 2,787 have a link and 0.6 % have one with
fewer than ten words besides; none of the WordPress test comments. Spam with a long text is not
caught by this: it is the spam model's.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from animateur.nlp.features import host_name, is_on_hosts, unhtml
from animateur.nlp.registers import register_of_channel

MAX_WORDS = 10
# A link as people paste it (a bare « site.com » is left to the spam model: it is also how one names a site).
_LINK_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{3,}")


def dropped_link(text: str, register: str | None, trusted_hosts: Collection[str] = ()) -> str | None:
    """The site a forum post or blog comment links to with hardly a word of its own, or None."""
    if register_of_channel(register) != "forum" or ("://" not in text and "www." not in text.lower()):
        return None
    plain = unhtml(text)
    linked = (host_name(link) for link in _LINK_RE.findall(plain))
    hosts = [h for h in linked if h and not is_on_hosts(h, trusted_hosts)]
    if not hosts:
        return None
    words = _WORD_RE.findall(_LINK_RE.sub(" ", plain))
    return hosts[0] if len(words) < MAX_WORDS else None

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The kinds whose connector declares Capability.REPLY: the inbox answers through them (its REPLY_HANDLERS
# read this list). Listed here rather than read from the registry because importing every connector
# (atproto alone takes seconds) would slow every process's start; tests/channels/test_inbox_replies.py
# checks that this list and the connectors' capabilities agree.
REPLYING_KINDS = (
    "bluesky",
    "discourse",
    "email",
    "facebook",
    "mastodon",
    "wordpress",
    "youtube",
    "instagram",
    "linkedin",
)
# Each kind's name for people, as its connector's `label` says (the same test checks they agree), for
# pages that show many channels without importing every connector.
KIND_LABELS = {
    "site": _("Our site"),
    "bluesky": _("Bluesky"),
    "discourse": _("Discourse forum"),
    "email": _("Email (IMAP mailbox)"),
    "facebook": _("Facebook Page"),
    "files": _("File (CSV or JSON Lines)"),
    "mastodon": _("Mastodon"),
    "mbox": _("Mail archive (mbox file)"),
    "reddit": _("Reddit"),
    "rss": _("RSS or Atom feed"),
    "wordpress": _("WordPress site"),
    "youtube": _("YouTube channel"),
    "bluesky_listen": _("Bluesky search (listening)"),
    "discourse_listen": _("Discourse forum search (listening)"),
    "feed_listen": _("News or alerts feed (listening)"),
    "mastodon_listen": _("Mastodon hashtags and search (listening)"),
    "reddit_listen": _("Reddit search (listening)"),
    "instagram": _("Instagram professional account"),
    "linkedin": _("LinkedIn page"),
    "instagram_listen": _("Instagram hashtags (listening)"),
}
# The listening sources (connectors/listen.py): what they bring is heard elsewhere, not said to the
# team, so it opens no inbox conversation unless a crisis room pulls it in (inbox/hooks.py). Listed
# here for the same reason as above; the same test checks it against the connectors' `listening`.
LISTENING_KINDS = frozenset(
    {"bluesky_listen", "discourse_listen", "feed_listen", "instagram_listen", "mastodon_listen", "reddit_listen"}
)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def heard_elsewhere(kind: str) -> bool:
    """Whether a channel of this kind is a listening source: its messages are not addressed to the team."""
    return kind in LISTENING_KINDS


class ChannelsConfig(AppConfig):
    name = "animateur.channels"
    label = "channels"

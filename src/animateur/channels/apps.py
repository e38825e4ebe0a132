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
    "instagram": _("Instagram professional account"),
    "linkedin": _("LinkedIn page"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


class ChannelsConfig(AppConfig):
    name = "animateur.channels"
    label = "channels"

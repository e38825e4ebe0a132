from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from animateur.core.actions import Actor
    from animateur.inbox.models import Conversation
    from animateur.stream.models import Message

# The kinds whose connector declares Capability.REPLY. Listed here rather than read from the registry
# because importing every connector (atproto alone takes seconds) would slow every process's start;
# tests/channels/test_inbox_replies.py checks that this list and the connectors' capabilities agree.
REPLYING_KINDS = ("bluesky", "discourse", "email", "mastodon", "wordpress")
# Each kind's name for people, as its connector's `label` says (the same test checks they agree), for
# pages that show many channels without importing every connector.
KIND_LABELS = {
    "site": _("Our site"),
    "bluesky": _("Bluesky"),
    "discourse": _("Discourse forum"),
    "email": _("Email (IMAP mailbox)"),
    "files": _("File (CSV or JSON Lines)"),
    "mastodon": _("Mastodon"),
    "mbox": _("Mail archive (mbox file)"),
    "reddit": _("Reddit"),
    "rss": _("RSS or Atom feed"),
    "wordpress": _("WordPress site"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def reply_through_channel(conversation: Conversation, parent: Message, text: str, actor: Actor) -> Message:
    """The inbox's reply handler for connector channels: answer `parent` at its source, then store the
    answer (the inbox calls it outside any transaction: see do_reply_to_message)."""
    from animateur.channels.actions import do_reply_to_message

    return do_reply_to_message(parent, text, actor=actor)


class ChannelsConfig(AppConfig):
    name = "animateur.channels"
    label = "channels"

    def ready(self) -> None:
        from animateur.inbox.actions import REPLY_HANDLERS

        for kind in REPLYING_KINDS:
            REPLY_HANDLERS.setdefault(kind, reply_through_channel)

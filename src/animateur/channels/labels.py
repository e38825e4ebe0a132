"""Words for the codes channels store (kinds, capabilities, causes of failure), as people read them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from animateur.channels.connectors import kinds

# The community space's own channel carries its comments; it has no connector to set up.
OWN_KINDS = {"site": _("community site")}

CAPABILITY_LABELS = {
    "read": pgettext_lazy("channel capability", "read"),
    "reply": pgettext_lazy("channel capability", "reply"),
    "publish": pgettext_lazy("channel capability", "publish"),
    "hide": pgettext_lazy("channel capability", "hide at the source"),
    "delete": pgettext_lazy("channel capability", "delete at the source"),
    "direct": pgettext_lazy("channel capability", "direct messages"),
    "moderate": pgettext_lazy("channel capability", "hold, mark as spam or approve at the source"),
}

# The causes connectors give (errors.py and each connector), in the words of the health page; the
# error's own text, recorded in whatever language the worker ran in, follows as the detail.
CAUSE_LABELS = {
    "credentials_refused": _("credentials refused"),
    "forbidden": _("access refused"),
    "unreachable": _("source unreachable"),
    "timeout": _("source too slow to answer"),
    "tls": _("secure connection failed"),
    "server_error": _("error at the source"),
    "http_error": _("request refused by the source"),
    "rate_limited": _("rate limited by the source"),
    "not_found": _("not found at the source"),
    "bad_url": _("invalid address"),
    "blocked_address": _("address not allowed"),
    "too_large": _("answer too large"),
    "too_many_redirects": _("too many redirects"),
    "not_a_feed": _("not a feed"),
    "malformed": _("unreadable data"),
    "permanent": _("permanent error"),
    "not_understood": _("answer not understood"),
    "quota_exceeded": _("daily quota used up"),
}


def kind_label(kind: str) -> str:
    connector = kinds().get(kind)
    if connector is not None:
        return str(connector.label)
    return str(OWN_KINDS.get(kind, kind))


def capability_label(capability: str) -> str:
    return str(CAPABILITY_LABELS.get(str(capability), capability))


def cause_label(code: str) -> str:
    return str(CAUSE_LABELS.get(code, code))

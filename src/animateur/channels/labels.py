"""Words for the codes channels store (kinds, capabilities), as people read them."""

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
}


def kind_label(kind: str) -> str:
    connector = kinds().get(kind)
    if connector is not None:
        return str(connector.label)
    return str(OWN_KINDS.get(kind, kind))


def capability_label(capability: str) -> str:
    return str(CAPABILITY_LABELS.get(str(capability), capability))


def cause_label(code: str) -> str:
    # The causes' words live beside the pages that first showed them.
    from animateur.channels.views import CAUSE_LABELS

    return str(CAUSE_LABELS.get(code, code))

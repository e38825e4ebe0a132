"""Stored codes of listening (sentiments, languages, facets) in the reader's words."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SENTIMENTS: dict[str, Promise] = {
    "positive": pgettext_lazy("sentiment", "positive"),
    "neutral": pgettext_lazy("sentiment", "neutral"),
    "negative": pgettext_lazy("sentiment", "negative"),
    "": pgettext_lazy("sentiment", "not scored"),
}

FACETS: dict[str, Promise] = {
    "terms": _("Words"),
    "authors": _("Authors"),
    "links": _("Sites linked"),
    "channels": _("Channels"),
}


def sentiment_label(code: str) -> Promise | str:
    return SENTIMENTS.get(code or "", code)

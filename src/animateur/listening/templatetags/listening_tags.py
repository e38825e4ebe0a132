"""The words of the query language inside documentation text, marked as code a reader types as is."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from animateur.listening.query import FIELDS, KINDS, SENTIMENTS

register = template.Library()

_VALUES = sorted({*KINDS.values(), *SENTIMENTS.values(), "mastodon", "rss", "site", "fr", "en"}, key=len, reverse=True)
_LITERAL = re.compile(
    r"\b(?:O?NEAR/n|AND|OR|NOT)\b"
    r"|\b(?:" + "|".join(FIELDS) + r"):"
    r"|(?<![\w-])(?:" + "|".join(map(re.escape, _VALUES)) + r")(?![\w-])"
)


@register.filter
def literals(text: object) -> SafeString:
    """Operators, fields and their values wrapped in <code translate="no">, the rest escaped."""
    escaped = str(escape(str(text)))
    return mark_safe(_LITERAL.sub(lambda m: f'<code translate="no">{m.group(0)}</code>', escaped))  # noqa: S308 - escaped above

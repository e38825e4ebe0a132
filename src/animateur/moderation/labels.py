"""Words for the codes moderation stores (trust levels, outcomes, reason details), as people read them.

Codes stay in the data, in English, so that rules, the API and webhooks keep them stable; pages
show these labels instead, in the reader's language.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

TRUST_LEVEL_LABELS = {
    "new": pgettext_lazy("trust level", "new"),
    "basic": pgettext_lazy("trust level", "basic"),
    "member": pgettext_lazy("trust level", "member"),
    "regular": pgettext_lazy("trust level", "regular"),
    "leader": pgettext_lazy("trust level", "leader"),
}

# What a reason asks for or a decision does, short enough to follow an arrow: « → retenir ».
OUTCOME_LABELS = {
    "hold": pgettext_lazy("moderation outcome", "hold"),
    "hide": pgettext_lazy("moderation outcome", "hide"),
    "reject": pgettext_lazy("moderation outcome", "hide"),
    "delete": pgettext_lazy("moderation outcome", "delete"),
    "spam": pgettext_lazy("moderation outcome", "spam"),
    "approve": pgettext_lazy("moderation outcome", "approve"),
    "flag": pgettext_lazy("moderation outcome", "flag"),
    "label": pgettext_lazy("moderation outcome", "label"),
    "assign": pgettext_lazy("moderation outcome", "assign"),
    "reply": pgettext_lazy("moderation outcome", "auto-reply"),
    "alert": pgettext_lazy("moderation outcome", "alert"),
    "webhook": pgettext_lazy("moderation outcome", "webhook"),
    "escalate": pgettext_lazy("moderation outcome", "escalate"),
}

SENTIMENT_LABELS = {
    "positive": pgettext_lazy("sentiment", "positive"),
    "neutral": pgettext_lazy("sentiment", "neutral"),
    "negative": pgettext_lazy("sentiment", "negative"),
}

# What raised a reason (its `source`, « rule:12 » for a rule), as the queue names it.
REASON_KINDS = {
    "rule": _("Rule"),
    "watched-word": _("Watched word"),
    "spam-score": _("Spam score"),
    "toxicity-score": _("Toxicity score"),
    "flag": _("Flag"),
    "trust": _("Low trust"),
    "first-comment": _("First comment"),
    "sanction": _("Sanction"),
    "honeypot": _("Bots"),
    # nlp/link_drop.py: a newcomer's forum post or blog comment that is a link and hardly a word
    "link-drop": _("A link with hardly a word"),
}
SCORE_KINDS = ("spam-score", "toxicity-score")

# The fixed details the pipeline stores with a reason, in English; a detail not listed here
# (a rule's name, the words found, a flagger's note) is the user's own text and shows as is.
REASON_DETAILS = {
    "first comment from this author": _("first comment from this author"),
    "author is banned": _("the author is banned"),
    "author is muted": _("the author is muted"),
    "hidden field filled": _("a field hidden from people was filled in (a robot)"),
}
TRUST_DETAIL = re.compile(r"^trust level (\w+)$")
# nlp/features.py names a link by its domain: « (link to example.com) »
LINK_TO_DOMAIN = re.compile(r"^\(link to ([^()\s]+)\)$")

# The names nlp/features.py gives the placeholders among the words that weighed on a score.
SCORE_FEATURES = {
    "(link)": _("(link)"),
    "(e-mail address)": _("(e-mail address)"),
    "(mention)": _("(mention)"),
    "(phone number)": _("(phone number)"),
    "(mostly capitals)": _("(mostly capitals)"),
    "(many capitals)": _("(many capitals)"),
    "(!!)": _("(!!)"),
    "(insult)": _("(insult)"),
    "(several insults)": _("(several insults)"),
    "(insult aimed at someone)": _("(insult aimed at someone)"),
    "(call to action)": _("(call to action)"),
    "(positive word)": _("(positive word)"),
    "(negative word)": _("(negative word)"),
    "(length)": _("(length)"),
    "(link to a video)": _("(link to a video)"),
    "(link to a moment of a video)": _("(link to a moment of a video)"),
    "(time code)": _("(time code)"),
    "(toll-free number)": _("(toll-free number)"),
    "(patch)": _("(patch)"),
    "(code)": _("(code)"),
    "(quoted message)": _("(quoted message)"),
    "(link to a known spam site)": _("(link to a known spam site)"),
    "(known fake support number)": _("(known fake support number)"),
    "(threat)": _("(threat)"),
    "(hate about a group)": _("(hate about a group)"),
    # nlp/adapter.py's reason when a moderator already decided on a near-identical message.
    "near-duplicate of a message a moderator marked spam": _("nearly the same as a message a moderator marked as spam"),
    "near-duplicate of a message a moderator marked hidden": _("nearly the same as a message a moderator hid"),
}


def trust_label(level: str) -> str:
    return str(TRUST_LEVEL_LABELS.get(level, level))


def trust_level_code(text: str) -> str | None:
    """The level a person gave, as its code or as its name in their language (« membre »), or None."""
    wanted = text.strip().lower()
    if wanted in TRUST_LEVEL_LABELS:
        return wanted
    return next((code for code, label in TRUST_LEVEL_LABELS.items() if str(label).lower() == wanted), None)


def outcome_label(code: str) -> str:
    return str(OUTCOME_LABELS.get(code, code))


def sentiment_label(code: str) -> str:
    return str(SENTIMENT_LABELS.get(code, code))


def reason_detail(detail: str) -> str:
    known = REASON_DETAILS.get(detail)
    if known is not None:
        return str(known)
    trust = TRUST_DETAIL.match(detail)
    if trust and trust.group(1) in TRUST_LEVEL_LABELS:
        return str(_("trust level: %(level)s") % {"level": trust_label(trust.group(1))})
    return detail


def reason_kind_label(source: str) -> str:
    kind = source.partition(":")[0]
    label = REASON_KINDS.get(kind)
    return str(label) if label is not None else source


def reason_text(source: str, detail: str) -> str:
    """A stored reason's detail in words: a score's features, or a fixed detail translated."""
    if source.partition(":")[0] in SCORE_KINDS:
        return score_features(detail)
    return reason_detail(detail)


def decision_done(decision: str, count: int) -> str:
    """The confirmation after a queue decision: « 2 éléments approuvés. »"""
    messages = {
        "approve": ngettext("%(count)d item approved.", "%(count)d items approved.", count),
        "reject": ngettext("%(count)d item hidden.", "%(count)d items hidden.", count),
        "delete": ngettext("%(count)d item deleted.", "%(count)d items deleted.", count),
        "spam": ngettext("%(count)d item marked as spam.", "%(count)d items marked as spam.", count),
        "escalate": ngettext(
            "%(count)d item escalated to a manager.", "%(count)d items escalated to a manager.", count
        ),
    }
    message = messages.get(decision) or ngettext("%(count)d item decided.", "%(count)d items decided.", count)
    return message % {"count": count}


def score_feature(part: str) -> str:
    known = SCORE_FEATURES.get(part)
    if known is not None:
        return str(known)
    link = LINK_TO_DOMAIN.match(part)
    if link:
        return str(_("(link to %(domain)s)") % {"domain": link.group(1)})
    return part


def score_features(detail: str) -> str:
    """« (link), (call to action), credit » read as « (lien), (incitation à agir), credit »."""
    return ", ".join(score_feature(part) for part in detail.split(", "))

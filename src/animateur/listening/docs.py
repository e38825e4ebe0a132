"""The query language as the team reads it: each rule with examples in French and English.

The page evaluates every example with the real matcher, and tests check that each one does what
it says, so the documentation cannot drift from the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from animateur.listening.matcher import match_text


@dataclass(frozen=True)
class Example:
    query: str
    text: str
    matches: bool
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def lang(self) -> str:
        """The example's own language (English examples on a French page are English, on purpose)."""
        return "en" if self.text in ENGLISH_EXAMPLES else "fr"

    @property
    def actual(self) -> bool:
        return match_text(self.query, self.text, **dict(self.fields))


ENGLISH_EXAMPLES = frozenset(
    {
        "The SCHOOL opens on Monday", "The strike stopped the trains", "Prices went up again",
        "The price went up again", "black or white", "Worst customer service ever", "Refunds are late",
        "The colour red", "Slow and rude customer service", "Thanks to the city hall", "Strike tomorrow",
        "Read https://news.example.org/today", "Late again, awful",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    title: Promise
    text: Promise
    examples: tuple[Example, ...]


def syntax_sections() -> list[Section]:
    return [
        Section(
            _("Words"),
            _(
                "A word matches whole words, whatever their case and accents: « ecole » finds « École » but not "
                "« écoliers ». Typographic and plain apostrophes are the same, and an apostrophe or a hyphen "
                "separates words."
            ),
            (
                Example("ecole", "L’École ouvre lundi", True),
                Example("ecole", "Les écoliers arrivent", False),
                Example("school", "The SCHOOL opens on Monday", True),
                Example("l'ecole", "Vive l’école publique", True),
            ),
        ),
        Section(
            _("AND, OR, NOT and parentheses"),
            _(
                "Words separated by a space must all be there (AND). AND, OR and NOT are operators only in "
                "capitals: a lower-case « or » is a word. AND comes before OR: « a OR b c » means « a OR (b AND "
                "c) »; use parentheses to say otherwise. « -word » leaves out the messages that hold it, like "
                "NOT."
            ),
            (
                Example("greve transports", "La grève des transports continue", True),
                Example("(greve OR manifestation) AND sncf", "Manifestation devant la SNCF", True),
                Example("strike NOT trains", "The strike stopped the trains", False),
                Example("price -discount", "Prices went up again", False),
                Example("price -discount", "The price went up again", True),
                Example("black or white", "black or white", True),
            ),
        ),
        Section(
            _("Phrases"),
            _("Words in double quotes must follow each other in that order."),
            (
                Example('"service client"', "Le service client ne répond plus", True),
                Example('"service client"', "Le client du service", False),
                Example('"customer service"', "Worst customer service ever", True),
            ),
        ),
        Section(
            _("Prefixes and one letter"),
            _("« * » at the end of a word matches any ending, « ? » any one letter."),
            (
                Example("manif*", "Les manifestants arrivent", True),
                Example("refund*", "Refunds are late", True),
                Example("gr?ve", "La grève", True),
                Example("col??r", "The colour red", True),
            ),
        ),
        Section(
            _("Near each other"),
            _(
                "« a NEAR/n b » matches when at most n words separate a and b, in either order; « a ONEAR/n b » "
                "only with a first. Either side may be a phrase."
            ),
            (
                Example("tarif NEAR/3 cher", "Ce tarif est vraiment trop cher", True),
                Example("tarif ONEAR/3 cher", "Trop cher, ce tarif", False),
                Example('"customer service" NEAR/2 slow', "Slow and rude customer service", True),
                Example('"service client" NEAR/1 lent', "Le service client est bien trop lent", False),
            ),
        ),
        Section(
            _("Hashtags and mentions"),
            _(
                "#tag and @mention are literal: « #rscci » does not find « rscci » written without its hash, and "
                "the other way round."
            ),
            (
                Example("#rscci", "Rendez-vous au #RSCCI", True),
                Example("#rscci", "Rendez-vous au RSCCI", False),
                Example("@mairie", "Merci @Mairie !", True),
                Example("@cityhall", "Thanks to the city hall", False),
            ),
        ),
        Section(
            _("Fields"),
            _(
                "author: a name or handle; channel: a kind of channel (mastodon, rss, site…) or a channel's "
                "name; lang: a language code; site: a domain or any of its subdomains, in a link of the message "
                "or in its address; sentiment: positive, neutral or negative; kind: post, comment, reply, "
                "mention, direct, email or pingback. A value with spaces goes in double quotes."
            ),
            (
                Example("greve lang:fr", "Grève demain", True, (("language", "fr"),)),
                Example("strike lang:fr", "Strike tomorrow", False, (("language", "en"),)),
                Example('retard author:"Jean Dupont"', "Encore un retard", True, (("author", "Jean Dupont"),)),
                Example("site:example.org", "Read https://news.example.org/today", True),
                Example("late sentiment:negative", "Late again, awful", True, (("sentiment", "negative"),)),
                Example(
                    "channel:mastodon kind:reply", "Bonjour", True, (("channel_kind", "mastodon"), ("kind", "reply"))
                ),
            ),
        ),
    ]

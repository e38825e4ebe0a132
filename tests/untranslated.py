"""Find what a page shown in French leaves untranslated: stored codes, and English words.

`untranslated(html, codes)` reads the page as a person does (its text, and the titles, labels and
placeholders of its elements; not its scripts, styles or data blocks) and returns what gives English
or a code away:

- a piece of text that is exactly a stored code (« high », « site », « mon »): pieces are the texts
  of elements, split at the separators pages put between values (· , ; → | : parentheses);
- a dotted, colon or snake_case code anywhere (« space.post.create », « system:inbox »,
  « not_a_feed »), a Python value (« ['trolls'] », « None »), an ISO week (« 2026-W50 »);
- a common English word that French does not use (« the », « with », « assigned »...).

User data may be anything; the tests that call this fill the pages with French data, so that what
this finds comes from animateur. Used by tests/core/test_french_pages.py and the browser walkthrough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED_ELEMENTS = {"script", "style", "template", "svg"}
# Literals a person types as they are (« <!--more--> », a key): codes are looked for there, not English.
LITERAL_ELEMENTS = {"code", "kbd", "samp", "pre"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

SEPARATORS = re.compile(r"\s*(?:[·,;→|()\[\]«»]|:\s|\s:|\s[-–—]\s)\s*")
APP_CODE = re.compile(
    r"\b(?:system|user):[\w-]+"
    r"|\b(?:workspace|user|team|space|comment|message|moderation|inbox|channel|api|stream|demo)\.[a-z_]+(?:\.[a-z_]+)*\b"
)
SNAKE_CODE = re.compile(r"(?<![{\w])[a-z]+(?:_[a-z]+)+(?![}\w])")
PYTHON_VALUE = re.compile(r"\[\s*'|'\s*\]|\{\s*'|\bNone\b|\bTrue\b|\bFalse\b")
ISO_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")

# Common English words that French pages have no reason to show (French words that English shares,
# such as « message », « page », « normal » or « urgent », are left out on purpose).
ENGLISH_WORDS = frozenset(
    """
    the and with without from into this that these those your you our their there here which what when where
    who why how not none nothing any all every each other some have has had been being was were are is be
    will would should could can cannot yes no of for by to at or if then than also only just more less
    new open opened closed waiting unassigned assigned assign assignee nobody anybody answered answer reply
    replied replies send sent save saved delete deleted edit edited changed cancel search filter
    back next previous settings hours business week weeks median average within target targets
    channel channels state priority high low labels first last read unread hold held hide hidden approve
    approved reject rejected flag flagged trust level member members regular basic health failing working
    paused error success unknown monday tuesday wednesday thursday friday saturday sunday
    wed thu fri sat sun today yesterday tomorrow ago seconds days
    draft published scheduled trash author authors comments category categories
    inbox team role owner moderator analyst guest invited token tokens account password
    login logout sign signed log out please thanks welcome enter submit show stream
    """.split()  # noqa: SIM905 - a paragraph of words reads better than a list of quoted ones
)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[tuple[str, bool]] = []
        self.skipping = 0
        self.literal = 0
        self.open: list[tuple[str, bool]] = []  # open elements, and whether each starts a skipped part

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        # Text marked as another language (a source's own error message, lang="en") is honest about it,
        # and so is a name marked translate="no" (an event type a webhook receiver reads as it is).
        foreign = bool(values.get("lang")) and not (values.get("lang") or "").startswith("fr")
        skips = tag in SKIPPED_ELEMENTS or foreign or values.get("translate") == "no"
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, skips))
            self.skipping += skips
            self.literal += tag in LITERAL_ELEMENTS
        if self.skipping:
            return
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.pieces.append((values[name] or "", False))
        if tag == "input" and (values.get("type") or "") in ("submit", "button") and values.get("value"):
            self.pieces.append((values["value"] or "", False))

    def handle_endtag(self, tag: str) -> None:
        # Pages leave some elements unclosed (<li>, <p>): close up to the element this tag ends.
        if any(name == tag for name, _skips in self.open):
            while self.open:
                name, skips = self.open.pop()
                self.skipping -= skips
                self.literal -= name in LITERAL_ELEMENTS
                if name == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.pieces.append((data, self.literal > 0))


def texts(html: str) -> list[tuple[str, bool]]:
    """The texts a person reads on the page, element by element, each with whether it is a literal."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [(re.sub(r"\s+", " ", piece).strip(), literal) for piece, literal in reader.pieces if piece.strip()]


def untranslated(html: str, codes: Iterable[str] = ()) -> list[str]:
    """What the page shows untranslated, each once, with the text it was found in."""
    codes = {c for c in codes if c}
    found: dict[str, str] = {}
    for text, literal in texts(html):
        for pattern in (APP_CODE, PYTHON_VALUE, ISO_WEEK):
            for match in pattern.finditer(text):
                found.setdefault(f"code « {match.group(0)} »", text)
        if literal:
            if text in codes:
                found.setdefault(f"code « {text} »", text)
            continue
        for piece in SEPARATORS.split(_QUOTED.sub(" · ", text)):
            piece = piece.strip(" .!?…:")
            if piece in codes:
                found.setdefault(f"code « {piece} »", text)
        for match in SNAKE_CODE.finditer(text):
            found.setdefault(f"code « {match.group(0)} »", text)
        for word in re.findall(r"[^\W\d_]+", _QUOTED.sub(" ", text)):
            if word.lower() in ENGLISH_WORDS and not _french_context(word, text):
                found.setdefault(f"English « {word} »", text)
    return [f"{what} in « {text[:160]} »" for what, text in found.items()]


# Where English words are not looked for: « quoted » names and {variables}, literals a person types or
# picks as they are (a permission « read » at the source, {member_name} in a saved reply).
_QUOTED = re.compile(r"«[^»]*»|\{[^}]*\}")

# Words of the list that a French text may hold as French: « or » (« Or, … »), « no » (« No 5 »).
_FRENCH_HOMOGRAPHS = {"Or", "No"}


def _french_context(word: str, text: str) -> bool:
    return word in _FRENCH_HOMOGRAPHS

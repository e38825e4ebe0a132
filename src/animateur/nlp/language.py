"""Language detection with lingua, restricted to the languages a workspace works in.

lingua alone, asked to choose between French and English, calls German French.
So the detectors know the configured languages *plus* a fixed set of common
"sentinel" languages, and a text found to be in a sentinel language is reported
as ``None`` (not covered). Very short texts (fewer than three words) are too
short for that choice: they get the best configured language.

Detectors are built once per language set (``functools.lru_cache``). The
low-accuracy mode (trigrams only) handles about 12,000 messages a second on one
core but calls 9 % of French and English tweets another language; those (about
one message in five) go to the high-accuracy mode (about 1,900 a second).
Measured on the French and English sentiment val tweets and two YouTube
videos: 95 % detected right, about 5,700 messages a second overall.

A text longer than 120 characters goes through the fast pass on its first 120
only (detection time grows with length), then whole if that pass was not sure:
of 6,497 tweets, YouTube comments and test sentences, 2 answers changed (one
French tweet now right, one multilingual spam comment now English). On the val
tweets and the three YouTube videos together: 1,676 of 1,786 right (93.8 %;
1,675 before). ``detect_languages`` takes a batch: the language set is read
once and a repeated text detected once.

lingua's time grows with the text (about 0.45 µs a character with two
languages, 0.8 with the sentinels): a 70-character comment costs 60 µs, more
than storing it. Most French and English comments say which they are in their
first few words, so a text of Latin letters with at least two words that are
common in one of French or English and in none of the other languages
(the other one included, and the sentinels' own common words absent) is
answered without lingua; the others go to lingua as before. On the val tweets
and the three YouTube videos, 1,146 of 1,786 texts are answered so, 9 of them
differently from lingua, all 9 rightly: 1,685 right (94.3 %). On the 3,678
train tweets: 2,725 answered so, 5 differently, none wrongly (3,660 right,
3,655 before). The pipeline bench's generated comments take 11 µs each instead of 65.
In a workspace with a language that the word lists do not cover (neither
French, English nor a sentinel), lingua decides alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

DEFAULT_LANGUAGES: tuple[str, ...] = ("fr", "en")
SENTINELS: tuple[str, ...] = (
    "de", "es", "it", "pt", "nl", "pl", "tr", "ru", "ar", "ja", "zh", "ko", "sv", "id",
)  # fmt: skip
_MIN_WORDS_FOR_SENTINELS = 3
_MAX_CHARS = 200  # the start of a long message is enough, and detection time grows with length
_FIRST_PASS_CHARS = 120  # what the fast pass reads of a long text (see above)
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+|#")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Common words of French and of English that are not common words of the other one nor of a
# sentinel, and the sentinels' own common words, which send a text to lingua. Words common in two
# of them count for nobody: ``que la de le je en du il y es ma mais non`` (French and a sentinel),
# ``is was to in so do no op van till dat`` (English and a sentinel), and what a URL or an elision
# leaves (``com``, ``e``, ``o``).
_FRENCH_WORDS = _word_set("""
les des est et pour dans une pas sur au aux ce cette ces très sont avec qui mon mes ton tes ses leur leurs
été fait bien tout tous toute toutes aussi ça cela ceci ils elles nous vous suis sommes êtes avez avons ont
votre vos notre nos où quand être avoir rien jamais toujours encore beaucoup trop moi toi lui eux merci
bonjour quelqu quelque chez entre après depuis pourquoi comment alors donc peut faut même sans sous était
ici là oui
""")
_ENGLISH_WORDS = _word_set("""
the and you this that it for with are have my your be what just but all we they he she his her their there
here were has had will would can could should from about who which when how why our us them does did than
then these those very really much because been being any some more most other into out up down only also
get got like know think
""")
_SENTINEL_WORDS = _word_set("""
der das und ist nicht ich ein eine mit auf für von zu den dem sich auch wie aber oder wenn noch nur wir sie
el los las por con para una del al lo como más pero sus su muy esta este
di che sono della gli anche questo questa sei
não os uma
het een niet ik zijn voor maar
och att det som är för med har jag inte på av
nie się jest że jak tak ale
ve bir bu için ile çok
yang di ini itu untuk dengan tidak ada
""")
_WORDS_COVER = frozenset(("fr", "en", *SENTINELS))  # the languages whose texts the lists can tell apart
_WORD = re.compile(r"[^\W\d_]+")
_MIN_COMMON_WORDS = 2


def _by_common_words(text: str) -> str | None:
    """French or English ("fr", "en") when the text's common words say so beyond doubt (see above), else None."""
    french = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _SENTINEL_WORDS:
            return None
        if word in _FRENCH_WORDS:
            french += 1
        elif word in _ENGLISH_WORDS:
            english += 1
    if french >= _MIN_COMMON_WORDS and not english:
        return "fr"
    if english >= _MIN_COMMON_WORDS and not french:
        return "en"
    return None


def _language(code: str) -> Language:
    try:
        iso = getattr(IsoCode639_1, code.upper())
    except AttributeError as exc:
        raise ValueError(f"unknown ISO 639-1 language code: {code!r}") from exc
    return Language.from_iso_code_639_1(iso)


@functools.lru_cache(maxsize=32)
def _detectors(languages: tuple[str, ...]) -> tuple[LanguageDetector, LanguageDetector, LanguageDetector]:
    """(wide low-accuracy, wide high-accuracy, restricted low-accuracy) detectors, built once per set."""
    wanted = [_language(code) for code in languages]
    extra = [_language(code) for code in SENTINELS if code not in languages]
    wide_low = LanguageDetectorBuilder.from_languages(*wanted, *extra).with_low_accuracy_mode().build()
    wide_high = LanguageDetectorBuilder.from_languages(*wanted, *extra).build()
    if len(wanted) > 1:
        restricted = LanguageDetectorBuilder.from_languages(*wanted).with_low_accuracy_mode().build()
    else:
        restricted = wide_low
    return wide_low, wide_high, restricted


def warm_up(languages: Iterable[str] = DEFAULT_LANGUAGES) -> None:
    """Load every model the detectors of this set use (lingua loads them at first need, in a batch's time)."""
    sample = "Bonjour à tous, merci pour cette belle journée"
    for detector in _detectors(normalize_languages(languages)):
        detector.compute_language_confidence_values(sample)


def normalize_languages(languages: Iterable[str]) -> tuple[str, ...]:
    """Sorted, de-duplicated, lower-case ISO 639-1 codes (the cache key)."""
    codes = tuple(sorted({code.strip().lower() for code in languages if code and code.strip()}))
    if not codes:
        raise ValueError("at least one language is needed")
    return codes


def detect_language(text: str, languages: Iterable[str] = DEFAULT_LANGUAGES) -> str | None:
    """The ISO 639-1 code of ``text`` among ``languages``, or None when it is another language or unknown.

    Links, mentions and ``#`` are removed first. The fast low-accuracy detector
    answers when it finds a configured language (most messages); otherwise the
    high-accuracy detector decides, and a configured language wins when its
    confidence is at least half that of the best other language.
    """
    return detect_languages([text], languages)[0]


def detect_languages(texts: Sequence[str], languages: Iterable[str] = DEFAULT_LANGUAGES) -> list[str | None]:
    """``detect_language`` for each text of a batch: the language set is read once, a repeated text detected once."""
    codes = normalize_languages(languages)
    for code in codes:
        _language(code)  # an unknown code is refused even when no text needs lingua
    detectors = None  # built when a text needs lingua (clear French and English do not)
    found: dict[str, str | None] = {}
    out: list[str | None] = []
    for text in texts:
        if text in found:
            out.append(found[text])
        else:
            out.append(found.setdefault(text, _detect(text, codes, detectors)))
    return out


def _detect(
    text: str,
    codes: tuple[str, ...],
    detectors: tuple[LanguageDetector, LanguageDetector, LanguageDetector] | None = None,
) -> str | None:
    text = _NOISE.sub(" ", text[:_MAX_CHARS])
    if not _LETTER.search(text):
        return None
    latin = _mostly_latin(text)
    if len(text.split()) < _MIN_WORDS_FOR_SENTINELS and latin:
        if len(codes) == 1:
            return codes[0]
        found = (detectors or _detectors(codes))[2].detect_language_of(text)
        return _code(found) if found is not None else None
    if latin and _WORDS_COVER.issuperset(codes):
        by_words = _by_common_words(text)
        if by_words in codes:
            return by_words
    wide_low, wide_high, _restricted = detectors or _detectors(codes)
    if len(text) > _FIRST_PASS_CHARS:
        # Detection time grows with length: most long texts are settled by their start.
        cut = text.rfind(" ", 0, _FIRST_PASS_CHARS)
        found = wide_low.detect_language_of(text[: cut if cut > 0 else _FIRST_PASS_CHARS])
        if found is not None and _code(found) in codes:
            return _code(found)
    found = wide_low.detect_language_of(text)
    if found is not None and _code(found) in codes:
        return _code(found)
    values = wide_high.compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return None
    top = values[0]
    if _code(top.language) in codes:
        return _code(top.language)
    best = max((v for v in values if _code(v.language) in codes), key=lambda v: v.value, default=None)
    if best is not None and best.value >= 0.5 * top.value:
        return _code(best.language)
    return None


def _code(language: Language) -> str:
    code = _CODES.get(language)
    if code is None:
        code = _CODES[language] = language.iso_code_639_1.name.lower()
    return code


_CODES: dict[Language, str] = {}  # reading the code off lingua's object costs more than the lookup


def _mostly_latin(text: str) -> bool:
    if _OTHER_SCRIPT.search(text) is None:  # most texts: one scan, no letter counted
        return _LETTER.search(text) is not None
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(1 for ch in letters if ch < "\u0250") * 2 > len(letters)


_LETTER = re.compile(r"[^\W\d_]")
_OTHER_SCRIPT = re.compile(r"[^\W\d_\x00-\u024f]")  # a letter past Latin Extended-B

"""Text normalisation and hashed features shared by every model of this package.

Pure Python and numpy: the same function builds the training matrix (in
``animateur.nlp.training``) and the inference vectors, so the shipped weights and
the features can never drift apart. Feature strings are hashed with CRC-32
(stable across processes and Python versions, unlike ``hash()``) into
``2 ** HASH_BITS`` buckets.

A message becomes:
- word unigrams (``w:``) and bigrams (``b:``) of its normalised tokens,
- character 2- to 5-grams of each padded word (``c:``), which catch spelling
  variants (« débiiile », « f*ck », missing accents),
- a few shape features (``m:``): link, e-mail, phone-like number, upper case
  ratio, repeated punctuation, length bucket, insults (``animateur.nlp.lexicon``) and
  insults aimed at someone (an insult beside « tu », « vous », « you », « espèce de »...),
  and what a link points to: its domain (``m:dom:example.com``), a video, a
  moment of a video, or a time code such as « 2:19 » in the text.

Each occurrence weighs ``1 / sqrt(n)`` where n is the number of occurrences of
the message, so a vector has unit L2 norm before bucket collisions.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np

from animateur.nlp.lexicon import ADDRESSING_WORDS, INSULTS, NEGATIVE_WORDS, POSITIVE_WORDS, PROMO_RE

HASH_BITS = 18
N_BUCKETS = 1 << HASH_BITS
_MASK = N_BUCKETS - 1

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|net|org|fr|ly|co|info|tk|ru|de|uk|io|biz|us)\b\S*"
)
_URL_ANY_CASE_RE = re.compile(_URL_RE.pattern, re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
_MENTION_RE = re.compile(r"@\w+")
_PHONE_RE = re.compile(r"(?:\+?\d[\d .-]{6,}\d)")
# "2.126.521.750 views" is a count, not a phone number
_GROUPED_NUMBER_RE = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})+")
_DIGIT_RE = re.compile(r"\d")  # a phone number needs one digit at least
# Numbers shaped like a phone number that are not one: a date (2002-08-21), a version or an
# address written with dots (2.6.18, 192.168.1.10, 1.2.3-4); on mailing lists and forums these
# were read as phone numbers, and the spam model held patches for « (phone number) ».
_NOT_PHONE_RE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d.*)?|\d{1,2}[-/]\d{1,2}[-/]\d{2,4}|[\d.]*\d+\.\d+\.\d+[\d.-]*"
)
# ... but dotted French and North American numbers are phone numbers (01.23.45.67.89, 555.123.4567)
_DOTTED_PHONE_RE = re.compile(r"\+?\d{1,3}\.?\d{2}(?:\.\d{2}){3,4}|\d{3}\.\d{3}\.\d{4}")
# A toll-free number (North American 8xx, UK 0800): how fake support lines are written in spam
# (« Call QuickBooks support +1-844-205-0712 »).
_TOLL_FREE_RE = re.compile(
    r"(?<!\d)(?:\+?1[\s.-]*)?\(?8(?:00|33|44|55|66|77|88)\)?[\s.-]*\d{3}[\s.-]*\d{4}(?!\d)|(?<!\d)0800[\s.-]*\d"
)
# Lines of code, of a patch or of a quoted message: what members of technical forums and mailing
# lists write, and what comment spam never carries.
_PATCH_LINE_RE = re.compile(r"^(?:diff --git|--- a/|\+\+\+ b/|@@ -\d|Index: |\+\+\+ |--- )", re.MULTILINE)
_CODE_RE = re.compile(
    r"^(?: {4}|\t)\S|[{};]\s*$|^\s*(?:def|class|import|#include|function|return|if|for|SELECT)\b", re.MULTILINE
)
_QUOTE_LINE_RE = re.compile(r"^\s?>", re.MULTILINE)
_DROP_ASCII_LETTERS = dict.fromkeys(map(ord, string.ascii_letters))
_DROP_ASCII_UPPER = dict.fromkeys(map(ord, string.ascii_uppercase))
_REPEAT_RE = re.compile(r"(.)\1{2,}")
_TOKEN_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[!?]+|[$€£]|[^\w\s]", re.UNICODE)
_HTML_LINK_RE = re.compile(r"""<a\s[^>]*href=["']([^"']*)["'][^>]*>""", re.IGNORECASE)
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_HOST_RE = re.compile(r"(?:https?://)?(?:www\d*\.|m\.)?([^/?#:\s\"'<>]+)")
# a host name worth naming: dot-separated labels of letters, digits and hyphens, at most 253
# characters as in DNS (a malformed or endless « domain » would become a reason nobody can read)
_DOMAIN_RE = re.compile(r"[^\W_](?:[\w-]{0,62})(?:\.[^\W_][\w-]{0,62})+")
# second-level labels under which a country's domains are registered (example.co.uk)
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})
# a video page, on the video sites comments most often link to
_VIDEO_URL_RE = re.compile(r"youtube\.com/watch|youtu\.be/|vimeo\.com/\d|dailymotion\.com/video")
_TIME_PARAMETER_RE = re.compile(r"[?&#]t=\d")
_TIMECODE_RE = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
# A link to a moment of a video, or a time code, is usually a viewer pointing at
# a passage; a link to another site is usually promotion. These features are rare
# and NB-LR shrinks a rare feature's weight, so each one is counted this many times
# (leave-one-video-out CV on the YouTube comments, mean F1: 1, 3, 6, 10 and 20
# copies gave 0.937 (the same as without them), 0.936, 0.939, 0.941 and 0.941).
LINK_FEATURE_REPEAT = 10
# Links, addresses, phone numbers and calls to action are each counted this many
# times, as insults are, for the same reason (leave-one-video-out CV, mean F1:
# 0.941 counted once, 0.947 thrice).
SIGNAL_REPEAT = 3


def _strip_accents_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base and base != ch and base.isascii():
            table[code] = base.lower()
    table[ord("’")] = "'"
    table[ord("‘")] = "'"
    table[ord("œ")] = "oe"
    table[ord("æ")] = "ae"
    return table


_ACCENTS = _strip_accents_table()


def unhtml(text: str) -> str:
    """Plain text of a comment that may carry HTML (YouTube's ``<br />``, ``<a href>``, ``&#39;``).

    A link keeps its address (so it still counts as a link), other tags become spaces.
    """
    if "<" in text:
        text = _HTML_LINK_RE.sub(r" \1 ", text)
        text = _HTML_TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _may_have_url(lowered: str) -> bool:
    """False only when ``_URL_RE`` cannot match (each of its branches needs « . » or « :// »)."""
    return "." in lowered or "://" in lowered


def normalize(text: str) -> str:
    """Lower-case, fold accents, and replace links, e-mails and mentions by placeholders."""
    text = unhtml(text).lower()
    # most messages have no link, address or mention: a substring test is cheaper than a regex scan
    if _may_have_url(text):
        text = _URL_RE.sub(" xxurl ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" xxemail ", text)
        text = _MENTION_RE.sub(" xxuser ", text)
    text = _REPEAT_RE.sub(r"\1\1", text)
    # every key of _ACCENTS is beyond ASCII: an ASCII text would come back unchanged, one dict look-up a character later
    return text if text.isascii() else text.translate(_ACCENTS)


def tokenize(text: str) -> list[str]:
    """Tokens of an already normalised text."""
    return _TOKEN_RE.findall(text)


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _MASK


_crc32 = zlib.crc32
# CRC-32 runs on: crc32(rest, crc32(prefix)) == crc32(prefix + rest), so the
# prefixes are hashed once instead of being concatenated to every n-gram
_W_SEED = _crc32(b"w:")
_C_SEED = _crc32(b"c:")
_B_SEED = _crc32(b"b:")


_WORD_CACHE: dict[str, tuple[int, ...]] = {}
_WORD_CACHE_MAX = 200_000


def _word_features(token: str) -> tuple[int, ...]:
    cached = _WORD_CACHE.get(token)
    if cached is not None:
        return cached
    feats = [_crc32(token.encode("utf-8"), _W_SEED) & _MASK]
    if token[0].isalnum() and len(token) > 1:
        padded = " " + token + " "
        n_chars = len(padded)
        # slicing the bytes gives the same n-grams as slicing the characters only for ASCII
        units: str | bytes = padded.encode() if padded.isascii() else padded
        for n in (2, 3, 4, 5):
            if n > n_chars:
                break
            if isinstance(units, bytes):
                feats.extend(_crc32(units[i : i + n], _C_SEED) & _MASK for i in range(n_chars - n + 1))
            else:
                feats.extend(_crc32(units[i : i + n].encode("utf-8"), _C_SEED) & _MASK for i in range(n_chars - n + 1))
    result = tuple(feats)
    if len(_WORD_CACHE) >= _WORD_CACHE_MAX:
        _WORD_CACHE.clear()
    _WORD_CACHE[token] = result
    return result


def registered_domain(host: str) -> str:
    """The domain a host name belongs to: « plus.google.com » → « google.com », « a.b.co.uk » → « b.co.uk »."""
    labels = host.strip(".,;").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def host_name(link: str) -> str | None:
    """The host a link or a typed site name points to, lower-cased and without « www. »; None if not a DNS name.

    « https://www.Exemple.fr/blog?x » → « exemple.fr ». A malformed or endless host is None: it
    would become a reason nobody can read, or a trusted site that matches nothing.
    """
    found = _HOST_RE.match(link.strip().lower())
    name = found.group(1).strip(".,;") if found else ""
    return name if len(name) <= 253 and _DOMAIN_RE.fullmatch(name) else None


def is_on_hosts(host: str | None, hosts: Collection[str]) -> bool:
    """Whether ``host`` is one of ``hosts`` or a subdomain of one."""
    return host is not None and any(host == h or host.endswith("." + h) for h in hosts)


def without_links_to(text: str, hosts: Collection[str]) -> str:
    """``text`` without its links to ``hosts`` or their subdomains (an HTML link keeps its words).

    What the scores read of a message on a community whose own sites these are: members link to
    its posts and answers, and the spam model, which learnt that a link is promotion, took them
    for spammers.
    """
    if not hosts or not _may_have_url(text.lower()):
        return text
    if "<" in text:
        text = _HTML_LINK_RE.sub(lambda m: " " if is_on_hosts(host_name(m.group(1)), hosts) else m.group(0), text)
    return _URL_ANY_CASE_RE.sub(lambda m: " " if is_on_hosts(host_name(m.group(0)), hosts) else m.group(0), text)


def _link_features(lowered: str) -> list[str]:
    """What the links of a lower-cased message point to."""
    feats = []
    text = unhtml(lowered)  # « &amp;t=2m19s » in a link's HTML is the parameter « &t=2m19s »
    for url in _URL_RE.findall(text):
        name = host_name(url)
        if name is not None:
            feats.append("m:dom:" + registered_domain(name))
        if _VIDEO_URL_RE.search(url):
            feats.append("m:url_video")
            if _TIME_PARAMETER_RE.search(url):
                feats.append("m:url_time")
    return feats * LINK_FEATURE_REPEAT


def _has_time_code(lowered: str, has_url: bool) -> bool:
    """A time such as « 2:19 » in the text, outside its links (whose ports and times are not one)."""
    if ":" not in lowered:
        return False
    return _TIMECODE_RE.search(_URL_RE.sub(" ", unhtml(lowered)) if has_url else lowered) is not None


def _count(raw: str, ascii_only: bool, drop: dict[int, None], test: Callable[[str], bool]) -> int:
    """Characters of ``raw`` passing ``test``; for ASCII text, ``str.translate`` (in C) drops exactly those."""
    if ascii_only:
        return len(raw) - len(raw.translate(drop))
    return sum(map(test, raw))


def _is_phone(number: str) -> bool:
    number = number.strip()
    if _GROUPED_NUMBER_RE.fullmatch(number):
        return False  # « 2.126.521.750 views » is a count
    if _DOTTED_PHONE_RE.fullmatch(number):
        return True
    return _NOT_PHONE_RE.fullmatch(number) is None


def _layout_features(raw: str) -> list[str]:
    """A patch, lines of code, quoted lines: the layout of a technical message or an email reply."""
    feats = []
    if _PATCH_LINE_RE.search(raw):
        feats.extend(["m:patch"] * SIGNAL_REPEAT)
    if len(_CODE_RE.findall(raw)) >= 2:
        feats.extend(["m:code"] * SIGNAL_REPEAT)
    if _QUOTE_LINE_RE.search(raw):
        feats.extend(["m:quote"] * SIGNAL_REPEAT)
    return feats


def _shape_features(raw: str, tokens: Sequence[str]) -> list[str]:
    feats = []
    lowered = raw.lower()
    has_url = _may_have_url(lowered) and _URL_RE.search(lowered) is not None
    if has_url:
        feats.extend(["m:url"] * SIGNAL_REPEAT)
        feats.extend(_link_features(lowered))
    if _has_time_code(lowered, has_url):
        feats.extend(["m:timecode"] * LINK_FEATURE_REPEAT)
    if "@" in raw and _EMAIL_RE.search(raw):
        feats.extend(["m:email"] * SIGNAL_REPEAT)
    if _DIGIT_RE.search(raw):
        if any(map(_is_phone, _PHONE_RE.findall(raw))):
            feats.extend(["m:phone"] * SIGNAL_REPEAT)
        if _TOLL_FREE_RE.search(raw):
            feats.extend(["m:toll_free"] * SIGNAL_REPEAT)
    if "\n" in raw:
        feats.extend(_layout_features(raw))
    ascii_only = raw.isascii()
    letters = _count(raw, ascii_only, _DROP_ASCII_LETTERS, str.isalpha)
    if letters >= 8:
        upper = _count(raw, ascii_only, _DROP_ASCII_UPPER, str.isupper)
        ratio = upper / letters
        if ratio > 0.6:
            feats.append("m:caps_high")
        elif ratio > 0.25:
            feats.append("m:caps_mid")
    if "!!" in raw:
        feats.append("m:exclaim")
    # map() over a set's __contains__ counts in C, without a Python loop over the tokens
    insults = sum(map(INSULTS.__contains__, tokens))
    if insults:
        feats.extend(["m:insult"] * 3)  # counted thrice: one strong, shared signal
        if insults > 1:
            feats.append("m:insult2")
        if any(map(ADDRESSING_WORDS.__contains__, tokens)):
            feats.extend(["m:insult_you"] * SIGNAL_REPEAT)
    positive = sum(map(POSITIVE_WORDS.__contains__, tokens))
    negative = sum(map(NEGATIVE_WORDS.__contains__, tokens))
    feats.extend(["m:pos"] * min(positive, 3))
    feats.extend(["m:neg"] * min(negative, 3))
    promos = len(PROMO_RE.findall(" ".join(tokens)))
    if promos:
        feats.extend(["m:promo"] * (min(promos, 3) * SIGNAL_REPEAT))
    n = len(tokens)
    feats.append("m:len" + ("0" if n < 4 else "1" if n < 10 else "2" if n < 25 else "3" if n < 60 else "4"))
    return feats


def _pair_start(word: str) -> tuple[int, bytes]:
    """The CRC-32 state after ``b:<word> `` and the word's bytes, so a pair's hash needs no new string."""
    found = _PAIR_CACHE.get(word)
    if found is None:
        encoded = word.encode("utf-8")
        found = (_crc32(encoded + b" ", _B_SEED), encoded)
        if len(_PAIR_CACHE) >= _WORD_CACHE_MAX:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[word] = found
    return found


_PAIR_CACHE: dict[str, tuple[int, bytes]] = {}
_SHAPE_HASHES: dict[str, int] = {}  # the shape features, hashed once


def _pair_features(words: list[str]) -> list[int]:
    """Hashed ``b:`` features of consecutive words: crc32(b, crc32("b:" + a + " ")) == crc32("b:" + a + " " + b)."""
    starts = [_PAIR_CACHE.get(w) or _pair_start(w) for w in words]
    return [_crc32(b[1], a[0]) & _MASK for a, b in zip(starts, starts[1:], strict=False)]


def _shape_hash(feature: str) -> int:
    found = _SHAPE_HASHES.get(feature)
    if found is None:
        # domains make the shape features an open set: the cache must not grow without bound
        if len(_SHAPE_HASHES) >= _WORD_CACHE_MAX:
            _SHAPE_HASHES.clear()
        found = _SHAPE_HASHES[feature] = _h(feature)
    return found


def message_features(text: str, tokens: list[str] | None = None, shape: list[str] | None = None) -> list[int]:
    """Hashed feature indices of one message (with repetitions); ``shape``: its shape features if known."""
    if tokens is None:
        tokens = tokenize(normalize(text))
    if shape is None:
        shape = _shape_features(text, tokens)
    cache = _WORD_CACHE
    out: list[int] = []
    for tok in tokens:
        feats = cache.get(tok)
        out.extend(feats if feats is not None else _word_features(tok))
    words = [t for t in tokens if t[0].isalnum()]
    if len(words) > 1:
        out.extend(_pair_features(words))
    out.extend(map(_shape_hash, shape))
    return out


def batch_features(
    texts: Iterable[str], tokens: list[list[str]] | None = None, shapes: list[list[str]] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat (indices, values, offsets) of a batch: message i spans offsets[i]:offsets[i+1].

    Pass ``tokens`` and ``shapes`` (empty lists, filled with each message's tokens
    and shape features) to reuse them for ``explain_tokens``.
    """
    all_idx: list[int] = []
    offsets = [0]
    counts = []
    for text in texts:
        toks = tokenize(normalize(text))
        if tokens is not None:
            tokens.append(toks)
        shape = _shape_features(text, toks)
        if shapes is not None:
            shapes.append(shape)
        feats = message_features(text, toks, shape)
        all_idx.extend(feats)
        offsets.append(len(all_idx))
        counts.append(len(feats))
    idx = np.fromiter(all_idx, dtype=np.int64, count=len(all_idx))
    off = np.asarray(offsets, dtype=np.int64)
    n = np.asarray(counts, dtype=np.float64)
    per_message = np.where(n > 0, 1.0 / np.sqrt(np.maximum(n, 1.0)), 0.0)
    values = np.repeat(per_message, n.astype(np.int64)).astype(np.float32)
    return idx, values, off


READABLE = {
    "xxurl": "(link)",
    "xxemail": "(e-mail address)",
    "xxuser": "(mention)",
    "m:url": "(link)",
    "m:email": "(e-mail address)",
    "m:phone": "(phone number)",
    "m:toll_free": "(toll-free number)",
    "m:patch": "(patch)",
    "m:code": "(code)",
    "m:quote": "(quoted message)",
    "m:spam_site": "(link to a known spam site)",
    "m:fake_number": "(known fake support number)",
    "m:caps_high": "(mostly capitals)",
    "m:caps_mid": "(many capitals)",
    "m:exclaim": "(!!)",
    "m:insult": "(insult)",
    "m:insult2": "(several insults)",
    "m:insult_you": "(insult aimed at someone)",
    "m:promo": "(call to action)",
    "m:pos": "(positive word)",
    "m:neg": "(negative word)",
    "m:url_video": "(link to a video)",
    "m:url_time": "(link to a moment of a video)",
    "m:timecode": "(time code)",
}


def readable(unit: str) -> str:
    """What a moderator reads for a unit: the word itself, or a name in parentheses for a placeholder."""
    if unit.startswith("m:len"):
        return "(length)"
    if unit.startswith("m:dom:"):
        return f"(link to {unit[6:]})"
    return READABLE.get(unit, unit)


def explain_tokens(
    text: str, tokens: list[str] | None = None, shape: list[str] | None = None
) -> tuple[list[tuple[str, tuple[int, ...]]], int]:
    """Readable units (words and word pairs) with the feature indices each one produced.

    Used to turn per-feature contributions into reasons a moderator can read: the
    weight of a word is the sum of the weights of its own feature and its
    character n-grams. Also returns the message's number of feature occurrences
    (for the same ``1 / sqrt(n)`` scaling as ``batch_features``).
    """
    if tokens is None:
        tokens = tokenize(normalize(text))
    units: list[tuple[str, tuple[int, ...]]] = [(tok, _word_features(tok)) for tok in tokens]
    words = [t for t in tokens if t[0].isalnum()]
    for a, b, h in zip(words, words[1:], _pair_features(words) if len(words) > 1 else (), strict=False):
        units.append((a + " " + b, (h,)))
    for f in _shape_features(text, tokens) if shape is None else shape:
        units.append((f, (_shape_hash(f),)))
    return units, sum(len(ids) for _, ids in units)

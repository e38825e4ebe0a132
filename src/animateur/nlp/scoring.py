"""Spam, toxicity and sentiment scores of messages, with readable reasons."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from animateur.nlp.blocklists import shipped_known_spam
from animateur.nlp.features import batch_features, normalize, readable
from animateur.nlp.language import DEFAULT_LANGUAGES, detect_languages
from animateur.nlp.lexicon import GROUP_WORDS, THREAT_RE
from animateur.nlp.models import SPAM, LinearModels, shipped, sigmoid, toxicity_logit
from animateur.nlp.registers import SpamModel, prepare, register_of_channel, shipped_spam_model
from animateur.nlp.sentiment import shipped_sentiment

if TYPE_CHECKING:
    from animateur.nlp.adapter import WorkspaceAdapter

COVERED_LANGUAGES: frozenset[str] = frozenset({"fr", "en"})
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
REASON_THRESHOLD = 0.5
MAX_REASONS = 5
# The spam score of a message that links to a known spam site or gives a known fake support number:
# above the default « send to spam » threshold (0.85), whatever its words.
KNOWN_SPAM_SCORE = 0.97
# Toxicity reads a long message window by window, each about the length of the tweets and comments
# it learnt from (at most 280 characters), and takes the most toxic window: a message's features
# weigh 1/sqrt(n) each, so many mildly marked words (« bitter », « kill », « dirty » in a brewing
# answer) added up over a long post and held 3.4 % of the forum's development posts, all of them
# long. A long message with one insulting sentence is still judged by that sentence.
TOXICITY_WINDOW = 400
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

Kind = Literal["spam", "toxicity"]


@dataclass(frozen=True)
class Reason:
    """A word, word pair or shape feature (``m:url``, ``m:caps_high``...) that raised a score."""

    kind: str
    feature: str
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "feature": self.feature, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Scores:
    """Scores of one message.

    ``spam`` and ``toxicity`` are probabilities in [0, 1] where 0.5 is the decision
    threshold. ``spam`` is given in every language; ``toxicity`` and ``sentiment`` are None,
    with ``unknown`` True, when the language is not covered by the models (anything but
    French and English) or not detected.
    ``reasons`` list, for each score of 0.5 or more, the features that weighed most.
    """

    language: str | None
    spam: float | None
    toxicity: float | None
    sentiment: str | None
    reasons: list[Reason] = field(default_factory=list)
    unknown: bool = False
    adapted: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "spam": None if self.spam is None else round(self.spam, 4),
            "toxicity": None if self.toxicity is None else round(self.toxicity, 4),
            "sentiment": self.sentiment,
            "unknown": self.unknown,
            "reasons": [r.as_dict() for r in self.reasons],
        }


_ADDRESSING = re.compile(r"^(?:\s*@[\w.@-]+)+\s*")


def without_addressing(text: str) -> str:
    """The text without the @handles a social reply starts with.

    On Mastodon or Bluesky every reply begins by naming whom it answers; the spam
    model learnt from comment sections where a leading mention is rare and suspicious.
    """
    rest = _ADDRESSING.sub("", text, count=1)
    return rest if rest.strip() else text


def windows(text: str, size: int = TOXICITY_WINDOW) -> list[str]:
    """The text cut at sentence and line ends into pieces of about ``size`` characters (the text itself when short).

    A sentence longer than ``size`` stays whole: a window is never cut inside a sentence.
    """
    if len(text) <= size:
        return [text]
    out: list[str] = []
    current = ""
    for part in _SENTENCE_END.split(text):
        if not part.strip():
            continue
        if current and len(current) + len(part) + 1 > size:
            out.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    if current:
        out.append(current)
    return out or [text]


@dataclass(frozen=True)
class _Window:
    """The most toxic window of a long message: its text, tokens and shape features (for the reasons)."""

    text: str
    tokens: list[str]
    shapes: list[str]


def _windowed_toxicity(
    models: LinearModels, sub: list[str], french: np.ndarray, tox_logit: np.ndarray
) -> dict[int, _Window]:
    """Replace, in place, each long message's toxicity logit by its most toxic window's; returns those windows."""
    pieces: list[str] = []
    owner: list[int] = []
    for j, text in enumerate(sub):
        if len(text) > TOXICITY_WINDOW:
            parts = windows(text)
            pieces.extend(parts)
            owner.extend([j] * len(parts))
    if not pieces:
        return {}
    tokens: list[list[str]] = []
    shapes: list[list[str]] = []
    idx, values, off = batch_features(pieces, tokens, shapes)
    owners = np.asarray(owner)
    logits = toxicity_logit(models.logits_from_features(idx, values, off, tokens), french[owners])
    best: dict[int, int] = {}
    for k, j in enumerate(owner):
        if j not in best or logits[k] > logits[best[j]]:
            best[j] = k
    for j, k in best.items():
        tox_logit[j] = logits[k]
    return {j: _Window(pieces[k], tokens[k], shapes[k]) for j, k in best.items()}


def score_messages(
    texts: list[str],
    languages: Sequence[str | None] | None = None,
    adapter: WorkspaceAdapter | None = None,
    *,
    detect: tuple[str, ...] = DEFAULT_LANGUAGES,
    reasons: bool | Mapping[str, float] = True,
    models: LinearModels | None = None,
    registers: Sequence[str | None] | None = None,
    spam_model: SpamModel | None = None,
) -> list[Scores]:
    """Score a batch of messages.

    ``languages`` gives each message's language when it is already known (an
    item of None is detected among ``detect``). ``adapter`` applies one
    workspace's moderation decisions on top of the shipped models (or of
    ``models``, used by the benchmark to score with models it trained itself).

    ``reasons``: True explains every score of ``REASON_THRESHOLD`` or more, False none;
    a mapping {"spam": s, "toxicity": t} explains only the messages whose spam score is s
    or more or whose toxicity is t or more (a kind left out never qualifies), for a caller
    that shows reasons only from there: such a message gets the very reasons True gives it.

    ``registers`` gives each message's register or channel kind (« email », « forum », « social »,
    « wordpress »...: ``registers.register_of_channel``; None or unknown: none). An email is read
    without its quotes, signature, patches and list footer, and the spam score is the register
    spam model's (``models/spam.npz``), which weighs the register; ``spam_model`` replaces it (the
    benchmark's own). With ``models`` and no ``spam_model``, the spam column of ``models`` scores.
    """
    if languages is not None and len(languages) != len(texts):
        raise ValueError("languages must have one item per text")
    if registers is not None and len(registers) != len(texts):
        raise ValueError("registers must have one item per text")
    regs = [register_of_channel(r) for r in registers] if registers is not None else [None] * len(texts)
    if spam_model is None and models is None:
        spam_model = shipped_spam_model()
    explain_from = _explain_from(reasons)
    langs: list[str | None] = []
    unknown: list[int] = []
    for i in range(len(texts)):
        given = languages[i] if languages is not None else None
        # "fr-FR", "en_GB" -> "fr", "en"
        langs.append(given.lower().replace("_", "-").split("-")[0] if given else None)
        if not given:
            unknown.append(i)
    if unknown:
        # one call for the batch: the detectors are looked up once, a repeated text detected once
        for i, lang in zip(unknown, detect_languages([texts[i] for i in unknown], detect), strict=True):
            langs[i] = lang
    # Spam is judged in every language (links, numbers, the shape of a message and many words are
    # the same in any); toxicity and sentiment only in the languages their models learnt.
    covered = list(range(len(texts)))
    results: list[Scores | None] = [None] * len(texts)
    if covered:
        models = models or shipped()
        sub = [prepare(without_addressing(texts[i]), regs[i]) for i in covered]
        tokens: list[list[str]] = []
        shapes: list[list[str]] = []
        idx, values, off = batch_features(sub, tokens, shapes)
        logits = models.logits_from_features(idx, values, off, tokens)
        french = np.asarray([langs[i] == "fr" for i in covered])
        spam_logit = (
            logits[:, SPAM]
            if spam_model is None
            else spam_model.logits(idx, values, off, [regs[i] for i in covered], shapes)
        )
        tox_logit = toxicity_logit(logits, french).copy()
        long_windows = _windowed_toxicity(models, sub, french, tox_logit)
        spam = sigmoid(spam_logit)
        tox = sigmoid(tox_logit)
        # the sentiment model of its own file (animateur.nlp.sentiment), by each message's language
        senti = shipped_sentiment().classify(sub, idx, values, off, tokens, french)
        adapted = np.zeros(len(sub), bool)
        if adapter is not None:
            spam, tox, adapted = adapter.adjust(sub, idx, values, off, spam_logit, tox_logit)
        known = shipped_known_spam()
        signals = [known.signals(t) for t in sub]
        spam = np.where([bool(x) for x in signals], np.maximum(spam, KNOWN_SPAM_SCORE), spam)
        for j, i in enumerate(covered):
            if langs[i] not in COVERED_LANGUAGES:
                why = [Reason("spam", readable(f), 1.0) for f in signals[j]]
                if explain_from is not None and spam[j] >= explain_from["spam"] and not why:
                    spam_words = (
                        models.explain_columns(sub[j], ("spam",), MAX_REASONS, tokens[j], shapes[j])[0]
                        if spam_model is None
                        else spam_model.explain(sub[j], tokens[j], shapes[j], regs[i], MAX_REASONS)
                    )
                    why = [Reason("spam", f, w) for f, w in spam_words]
                results[i] = Scores(langs[i], float(spam[j]), None, None, why, unknown=True)
                continue
            why = [Reason("spam", readable(f), 1.0) for f in signals[j]]
            if explain_from is not None and (spam[j] >= explain_from["spam"] or tox[j] >= explain_from["toxicity"]):
                tox_col = "toxicity_fr" if french[j] else "toxicity"
                wanted = [
                    (kind, col)
                    for kind, score, col in (("spam", spam[j], "spam"), ("toxicity", tox[j], tox_col))
                    if score >= REASON_THRESHOLD and not (kind == "spam" and signals[j])
                ]
                if wanted:
                    explained = models.explain_columns(
                        sub[j], tuple(col for _, col in wanted), MAX_REASONS, tokens[j], shapes[j]
                    )
                    if spam_model is not None and wanted[0][0] == "spam":
                        # the register spam model scored: its own weights say why
                        explained[0] = spam_model.explain(sub[j], tokens[j], shapes[j], regs[i], MAX_REASONS)
                    # a long message's toxicity is its most toxic window's: that window's words say why
                    window = long_windows.get(j, _Window(sub[j], tokens[j], shapes[j]))
                    if window.text is not sub[j] and wanted[-1][0] == "toxicity":
                        explained[-1] = models.explain_columns(
                            window.text, (wanted[-1][1],), MAX_REASONS, window.tokens, window.shapes
                        )[0]
                    for (kind, _), features in zip(wanted, explained, strict=True):
                        if adapter is not None:
                            features = adapter.explain(sub[j], kind, features)
                        if kind == "toxicity":
                            # first, what kind of harm: moderators answer a threat, hate and an insult differently
                            why.append(Reason(kind, toxicity_kind(window.tokens, window.text), 1.0))
                            features = [(f, w) for f, w in features if f not in TOXICITY_KINDS]
                        why.extend(Reason(kind, f, w) for f, w in features)
            results[i] = Scores(
                langs[i],
                float(spam[j]),
                float(tox[j]),
                SENTIMENTS[int(senti[j])],
                why,
                False,
                bool(adapted[j]),
            )
    return [r for r in results if r is not None]


TOXICITY_KINDS = ("(threat)", "(hate about a group)", "(insult)")


def toxicity_kind(tokens: Sequence[str], text: str) -> str:
    """« (threat) », « (hate about a group) » or « (insult) »: the kind of a message already scored toxic."""
    normalized = normalize(text)
    if THREAT_RE.search(normalized):
        return TOXICITY_KINDS[0]
    if any(map(GROUP_WORDS.__contains__, tokens)):
        return TOXICITY_KINDS[1]
    return TOXICITY_KINDS[2]


def _explain_from(reasons: bool | Mapping[str, float]) -> dict[str, float] | None:
    """The spam and toxicity scores from which a message is explained (None: no message is)."""
    if reasons is True:
        return {"spam": REASON_THRESHOLD, "toxicity": REASON_THRESHOLD}
    if reasons is False:
        return None
    unknown = set(reasons) - {"spam", "toxicity"}
    if unknown:
        raise ValueError(f"reasons can be asked for spam and toxicity only, not {sorted(unknown)}")
    return {kind: max(REASON_THRESHOLD, float(reasons.get(kind, np.inf))) for kind in ("spam", "toxicity")}


def sentiment(texts: list[str], languages: Sequence[str | None] | None = None) -> list[str | None]:
    """ "negative", "neutral" or "positive" for each text; None when its language is not covered."""
    return [s.sentiment for s in score_messages(texts, languages, reasons=False)]


def _package_names_the_function() -> None:
    """``animateur.nlp.sentiment`` is this function, as the package says, not the submodule of that name.

    The package loads its names at first use; importing the submodule (done above) set the package's
    attribute to the module, and ``from animateur.nlp import sentiment`` would then give a module.
    """
    import animateur.nlp as package

    package.sentiment = sentiment


_package_names_the_function()

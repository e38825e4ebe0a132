"""The sentiment model: negative, neutral or positive, for French and English messages.

Its own file (``models/sentiment.npz`` and ``models/sentiment.json``, written by
``scripts/train_models.py --only sentiment``), apart from the spam and toxicity models: it is
trained and shipped on its own. It reads the hashed features the other models read
(``animateur.nlp.features.batch_features``, computed once per batch), the mean word vector of
``models/words.npz``, and a few features of its own (``sentiment_features``): words of opinion
(``animateur.nlp.sentiment_lexicon``), the same words after a negation in the same clause
(« pas terrible », « not good »: ``s:pos_not``), every word after a negation (``n:`` + the word), and
emoji and emoticons of plain feeling. French and English each have their own three columns
(``fr:negative`` ... ``en:positive``), trained on the same features.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from animateur.nlp.embeddings import WordVectors
from animateur.nlp.features import HASH_BITS, N_BUCKETS
from animateur.nlp.npz import write_npz
from animateur.nlp.sentiment_lexicon import (
    CLAUSE_ENDS,
    NEGATIONS,
    NEGATIVE,
    NEGATIVE_EMOJI,
    NEGATIVE_EMOTICONS,
    POSITIVE,
    POSITIVE_EMOJI,
    POSITIVE_EMOTICONS,
)

MODELS_DIR = Path(__file__).parent / "models"
FORMAT_VERSION = 1
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
LANGUAGES: tuple[str, ...] = ("fr", "en")
COLUMNS: tuple[str, ...] = tuple(f"{lang}:{s}" for lang in LANGUAGES for s in SENTIMENTS)
EXTRA_BITS = 16
N_EXTRA = 1 << EXTRA_BITS
_EXTRA_MASK = N_EXTRA - 1
# each opinion word, emoji or emoticon is counted this many times (one strong, shared signal)
SIGNAL_REPEAT = 2
_SEED = zlib.crc32(b"n:")


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _EXTRA_MASK


_S = {name: _hash(name) for name in ("s:pos", "s:neg", "s:pos_not", "s:neg_not", "s:emo_pos", "s:emo_neg", "s:not")}
_NEGATED: dict[str, int] = {}


def _negated(token: str) -> int:
    found = _NEGATED.get(token)
    if found is None:
        if len(_NEGATED) >= 200_000:
            _NEGATED.clear()
        found = _NEGATED[token] = zlib.crc32(token.encode("utf-8"), _SEED) & _EXTRA_MASK
    return found


def _is_negation(token: str) -> bool:
    return token in NEGATIONS or token.endswith("n't") or (token.startswith("n'") and len(token) > 2)


def scan(text: str, tokens: Sequence[str]) -> tuple[list[int], list[bool]]:
    """The sentiment model's own hashed features of one message (indices in ``N_EXTRA``, with repetitions),
    and for each token whether a negation comes before it in its clause."""
    out: list[int] = []
    flags: list[bool] = []
    negated = False
    for tok in tokens:
        if tok in CLAUSE_ENDS or tok[0] in "!?.":
            negated = False
            flags.append(False)
            continue
        if _is_negation(tok):
            negated = True
            flags.append(False)
            out.append(_S["s:not"])
            continue
        flags.append(negated)
        if tok in POSITIVE:
            out.extend([_S["s:pos_not" if negated else "s:pos"]] * SIGNAL_REPEAT)
        elif tok in NEGATIVE:
            out.extend([_S["s:neg_not" if negated else "s:neg"]] * SIGNAL_REPEAT)
        elif tok in POSITIVE_EMOJI:
            out.extend([_S["s:emo_pos"]] * SIGNAL_REPEAT)
        elif tok in NEGATIVE_EMOJI:
            out.extend([_S["s:emo_neg"]] * SIGNAL_REPEAT)
        if negated and tok[0].isalnum():
            out.append(_negated(tok))
    if ":" in text or "<" in text or "=" in text or "^" in text or ";" in text:
        lowered = text.lower()
        if any(map(lowered.__contains__, POSITIVE_EMOTICONS)):
            out.extend([_S["s:emo_pos"]] * SIGNAL_REPEAT)
        if any(map(lowered.__contains__, NEGATIVE_EMOTICONS)):
            out.extend([_S["s:emo_neg"]] * SIGNAL_REPEAT)
    return out, flags


def sentiment_features(text: str, tokens: Sequence[str]) -> list[int]:
    """The sentiment model's own hashed features of one message (see ``scan``)."""
    return scan(text, tokens)[0]


def word_key(token: str) -> int:
    """A word's key in the shipped valence tables: its CRC-32 (the words themselves are not shipped)."""
    return zlib.crc32(token.encode("utf-8"))


# Valences of a message: the sum of its words' valences (a rated lexicon, read at training time
# only: ``animateur.nlp.sentiment_training``), apart for words that are positive or negative and
# negated or not, over sqrt(1 + its number of tokens).
VALENCE_PARTS: tuple[str, ...] = ("positive", "negative", "positive negated", "negative negated")


def valence_features(tokens: Sequence[str], flags: Sequence[bool], valences: dict[str, float]) -> np.ndarray:
    """The four ``VALENCE_PARTS`` of one message, from a word -> valence lexicon (training)."""
    out = np.zeros(4, dtype=np.float64)
    for tok, negated in zip(tokens, flags, strict=True):
        v = valences.get(tok)
        if v:
            out[(0 if v > 0 else 1) + (2 if negated else 0)] += v
    return out / np.sqrt(1.0 + len(tokens))


def extra_values(off: np.ndarray) -> np.ndarray:
    """Each occurrence's value: 1 / sqrt(n) for a message of n occurrences (unit norm before collisions)."""
    n = np.diff(off).astype(np.float64)
    per_message = np.where(n > 0, 1.0 / np.sqrt(np.maximum(n, 1.0)), 0.0)
    return np.repeat(per_message, n.astype(np.int64)).astype(np.float32)


def _segment_sum(rows: np.ndarray, off: np.ndarray, n: int, k: int) -> np.ndarray:
    out = np.zeros((n, k), dtype=np.float32)
    if len(rows):
        starts = off[:-1]
        nonempty = off[1:] > starts
        if nonempty.any():
            out[nonempty] = np.add.reduceat(rows, starts[nonempty], axis=0)
    return out


@dataclass(frozen=True)
class Valences:
    """One language's rated words, as CRC-32 keys, each with its share of the three columns plain and negated."""

    keys: np.ndarray  # (V,) uint32, word_key of each word
    rows: np.ndarray  # (V, 2, 3) float32: [plain, negated] x (negative, neutral, positive)

    @functools.cached_property
    def index(self) -> dict[int, int]:
        return {int(k): i for i, k in enumerate(self.keys)}

    def scores(self, tokens: Sequence[str], flags: Sequence[bool]) -> np.ndarray:
        """``(3,)``: the message's valence share of its language's three columns."""
        index = self.index
        out = np.zeros(3, dtype=np.float32)
        for tok, negated in zip(tokens, flags, strict=True):
            row = index.get(word_key(tok))
            if row is not None:
                out += self.rows[row, 1 if negated else 0]
        return out / np.float32(np.sqrt(1.0 + len(tokens)))


@dataclass(frozen=True)
class SentimentModel:
    """Weights over the shared hashed features ``(N_BUCKETS, 6)``, the own features ``(N_EXTRA, 6)``,
    the mean word vector ``(D, 6)`` (with ``vectors``), intercepts ``(6,)``: three columns a language
    (``COLUMNS``); and each language's rated words (``Valences``)."""

    weights: np.ndarray
    extra: np.ndarray
    intercepts: np.ndarray
    meta: dict
    valences: dict[str, Valences]
    dense: np.ndarray | None = None
    vectors: WordVectors | None = None

    @functools.cached_property
    def word_scores(self) -> np.ndarray | None:
        """``vectors.matrix @ dense`` with a last row of zeros for unknown words (see ``LinearModels``)."""
        if self.dense is None or self.vectors is None:
            return None
        folded = np.zeros((len(self.vectors.words) + 1, self.dense.shape[1]), dtype=np.float32)
        folded[:-1] = self.vectors.matrix @ self.dense.astype(np.float32)
        return folded

    def save(self, directory: Path) -> None:
        """``sentiment.npz`` and ``sentiment.json`` (the word vectors are the shared ``words.npz``)."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights.astype(np.float16), "extra": self.extra.astype(np.float16)}
        for lang, table in self.valences.items():
            arrays[f"valence_keys_{lang}"] = table.keys.astype(np.uint32)
            arrays[f"valence_rows_{lang}"] = table.rows.astype(np.float32)
        if self.dense is not None:
            arrays["dense"] = self.dense.astype(np.float32)
        write_npz(directory / "sentiment.npz", **arrays)
        doc = {
            "format": FORMAT_VERSION,
            "hash_bits": HASH_BITS,
            "extra_bits": EXTRA_BITS,
            "dense_dims": None if self.dense is None else int(self.dense.shape[0]),
            "columns": list(COLUMNS),
            "intercepts": [float(x) for x in self.intercepts],
            "meta": self.meta,
        }
        (directory / "sentiment.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path, vectors: WordVectors | None = None) -> SentimentModel:
        doc = json.loads((directory / "sentiment.json").read_text())
        if doc.get("format") != FORMAT_VERSION or doc.get("hash_bits") != HASH_BITS:
            raise RuntimeError(f"sentiment model files in {directory} do not match this version of animateur.nlp")
        if doc.get("extra_bits") != EXTRA_BITS or tuple(doc.get("columns", ())) != COLUMNS:
            raise RuntimeError(f"unexpected sentiment columns or features in {directory}")
        with np.load(directory / "sentiment.npz", allow_pickle=False) as npz:
            weights = npz["weights"].astype(np.float32)
            extra = npz["extra"].astype(np.float32)
            dense = npz["dense"].astype(np.float32) if doc.get("dense_dims") else None
            valences = {
                lang: Valences(npz[f"valence_keys_{lang}"], npz[f"valence_rows_{lang}"].astype(np.float32))
                for lang in LANGUAGES
                if f"valence_keys_{lang}" in npz.files
            }
        if weights.shape != (N_BUCKETS, len(COLUMNS)) or extra.shape != (N_EXTRA, len(COLUMNS)):
            raise RuntimeError(f"unexpected sentiment weight shapes in {directory}")
        if dense is not None:
            vectors = vectors if vectors is not None else WordVectors.load(directory / "words.npz")
            if dense.shape != (vectors.dims, len(COLUMNS)):
                raise RuntimeError(f"unexpected sentiment dense weight shape {dense.shape} in {directory}")
        intercepts = np.asarray(doc["intercepts"], dtype=np.float32)
        return cls(weights, extra, intercepts, doc["meta"], valences, dense, vectors if dense is not None else None)

    def logits_from_features(
        self,
        texts: Sequence[str],
        idx: np.ndarray,
        values: np.ndarray,
        off: np.ndarray,
        tokens: Sequence[Sequence[str]],
        french: Sequence[bool] | np.ndarray,
    ) -> np.ndarray:
        """``(n, 3)`` raw scores (negative, neutral, positive) of each message, by its language's columns
        (French for ``french`` messages, English for the others), from ``batch_features``' output, the
        texts it read and their tokens."""
        n = len(off) - 1
        if len(texts) != n or len(tokens) != n or len(french) != n:
            raise ValueError("pass each message's text, tokens and language")
        k = len(COLUMNS)
        out = _segment_sum(self.weights[idx] * values[:, None], off, n, k) if len(idx) else np.zeros((n, k), np.float32)
        ex_idx: list[int] = []
        ex_off = [0]
        own = np.zeros((n, 3), dtype=np.float32)
        for j, (text, toks) in enumerate(zip(texts, tokens, strict=True)):
            feats, flags = scan(text, toks)
            ex_idx.extend(feats)
            ex_off.append(len(ex_idx))
            table = self.valences.get("fr" if french[j] else "en")
            if table is not None:
                own[j] = table.scores(toks, flags)
        if ex_idx:
            offsets = np.asarray(ex_off, dtype=np.int64)
            rows = self.extra[np.asarray(ex_idx, dtype=np.int64)] * extra_values(offsets)[:, None]
            out += _segment_sum(rows, offsets, n, k)
        scores = self.word_scores
        if scores is not None and self.vectors is not None:
            out += _dense_scores(scores, self.vectors.index, tokens)
        out += self.intercepts
        is_fr = np.asarray(french, dtype=bool)[:, None]
        return np.where(is_fr, out[:, 0:3], out[:, 3:6]) + own

    def classify(
        self,
        texts: Sequence[str],
        idx: np.ndarray,
        values: np.ndarray,
        off: np.ndarray,
        tokens: Sequence[Sequence[str]],
        french: Sequence[bool] | np.ndarray,
    ) -> np.ndarray:
        """Each message's class: 0 negative, 1 neutral, 2 positive (``SENTIMENTS``)."""
        return np.argmax(self.logits_from_features(texts, idx, values, off, tokens, french), axis=1)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Each row's probabilities."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _dense_scores(scores: np.ndarray, index: dict[str, int], tokens: Sequence[Sequence[str]]) -> np.ndarray:
    """The mean of each message's known words' rows of ``scores`` (zeros when none is known)."""
    unknown = len(scores) - 1
    out = np.zeros((len(tokens), scores.shape[1]), dtype=np.float32)
    lengths = np.fromiter(map(len, tokens), dtype=np.intp, count=len(tokens))
    flat = list(chain.from_iterable(tokens))
    if not flat:
        return out
    rows = np.fromiter(map(index.get, flat, repeat(unknown)), dtype=np.intp, count=len(flat))
    starts = np.zeros(len(tokens), dtype=np.intp)
    np.cumsum(lengths[:-1], out=starts[1:])
    has = lengths > 0
    known = np.add.reduceat((rows < unknown).astype(np.float32), starts[has])
    sums = np.add.reduceat(scores[rows], starts[has], axis=0)
    out[has] = sums / np.maximum(known, 1.0)[:, None]
    return out


@functools.lru_cache(maxsize=1)
def shipped_sentiment() -> SentimentModel:
    """The sentiment model shipped in ``animateur/nlp/models`` (loaded once, with the shared word vectors)."""
    from animateur.nlp.models import shipped

    shared = shipped()
    return SentimentModel.load(MODELS_DIR, shared.vectors)

"""The shipped linear models: loading (no pickle) and batch scoring.

``models/linear.npz`` holds one weight column per output over the hashed feature
space of ``animateur.nlp.features`` (float16), and over the mean word vector of
``models/words.npz`` (``animateur.nlp.embeddings``), and ``models/linear.json``
the column names, intercepts and metadata. Scoring a batch is one gather and one
segmented sum in numpy for the hashed features, and the same for the word vectors:
the dense weights are linear, so the mean vector's score is the mean of its words'
scores, each word's computed once at load time (``LinearModels.word_scores``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path

import numpy as np

from animateur.nlp.embeddings import WordVectors
from animateur.nlp.features import HASH_BITS, N_BUCKETS, batch_features, explain_tokens, normalize, readable, tokenize
from animateur.nlp.npz import write_npz

MODELS_DIR = Path(__file__).parent / "models"
FORMAT_VERSION = 2
COLUMNS: tuple[str, ...] = (
    "spam", "toxicity", "toxicity_fr", "sentiment_negative", "sentiment_neutral", "sentiment_positive",
)  # fmt: skip
SPAM, TOXICITY, TOXICITY_FR = 0, 1, 2
SENTIMENT = slice(3, 6)


@dataclass(frozen=True)
class LinearModels:
    """Weights ``(N_BUCKETS, k)`` and intercepts ``(k,)`` of the k named linear outputs.

    ``dense`` ``(D, k)``, with ``vectors``, weighs each message's mean word vector.
    ``word_scores`` ``(V + 1, k)`` is ``vectors.matrix @ dense`` with a last row of
    zeros for unknown words: mean(v_i) @ dense = mean(v_i @ dense), so a message's
    dense score is the mean of its known words' rows, with no 128-number vector built.
    """

    columns: tuple[str, ...]
    weights: np.ndarray
    intercepts: np.ndarray
    meta: dict
    dense: np.ndarray | None = None
    vectors: WordVectors | None = None
    # summed weight row of each readable unit already explained: a word's row adds up a dozen
    # character n-grams, and the same words come back in message after message
    _unit_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    word_scores: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.dense is not None and self.vectors is not None:
            folded = np.zeros((len(self.vectors.words) + 1, self.dense.shape[1]), dtype=np.float32)
            folded[:-1] = self.vectors.matrix @ self.dense.astype(np.float32)
            object.__setattr__(self, "word_scores", folded)

    def column(self, name: str) -> int:
        return self.columns.index(name)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"weights": self.weights.astype(np.float16)}
        if self.dense is not None and self.vectors is not None:
            arrays["dense"] = self.dense.astype(np.float32)
            self.vectors.save(directory / "words.npz")
        write_npz(directory / "linear.npz", **arrays)
        doc = {
            "format": FORMAT_VERSION,
            "hash_bits": HASH_BITS,
            "dense_dims": None if self.dense is None else int(self.dense.shape[0]),
            "columns": list(self.columns),
            "intercepts": [float(x) for x in self.intercepts],
            "meta": self.meta,
        }
        (directory / "linear.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path) -> LinearModels:
        doc = json.loads((directory / "linear.json").read_text())
        # format 1: the same files without word vectors
        if doc.get("format") not in (1, FORMAT_VERSION) or doc.get("hash_bits") != HASH_BITS:
            raise RuntimeError(f"model files in {directory} do not match this version of animateur.nlp")
        with np.load(directory / "linear.npz", allow_pickle=False) as npz:
            weights = npz["weights"].astype(np.float32)
            dense = npz["dense"].astype(np.float32) if doc.get("dense_dims") else None
        if weights.shape != (N_BUCKETS, len(COLUMNS)) or tuple(doc["columns"]) != COLUMNS:
            raise RuntimeError(f"unexpected weight shape {weights.shape} in {directory}")
        vectors = WordVectors.load(directory / "words.npz") if dense is not None else None
        if dense is not None and vectors is not None and dense.shape != (vectors.dims, len(COLUMNS)):
            raise RuntimeError(f"unexpected dense weight shape {dense.shape} in {directory}")
        intercepts = np.asarray(doc["intercepts"], dtype=np.float32)
        return cls(tuple(doc["columns"]), weights, intercepts, doc["meta"], dense, vectors)

    # ------------------------------------------------------------ scoring

    def logits(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), k)`` raw scores."""
        tokens: list[list[str]] = []
        idx, values, off = batch_features(texts, tokens)
        return self.logits_from_features(idx, values, off, tokens)

    def logits_from_features(
        self, idx: np.ndarray, values: np.ndarray, off: np.ndarray, tokens: list[list[str]] | None = None
    ) -> np.ndarray:
        """Raw scores from ``batch_features``' output; ``tokens`` (each message's) are needed with dense weights."""
        n = len(off) - 1
        out = np.zeros((n, len(self.columns)), dtype=np.float32)
        if len(idx):
            contrib = self.weights[idx] * values[:, None]
            starts = off[:-1]
            nonempty = off[1:] > starts
            if nonempty.any():
                out[nonempty] = np.add.reduceat(contrib, starts[nonempty], axis=0)
        if self.word_scores is not None:
            if tokens is None or len(tokens) != n:
                raise ValueError("these models weigh word vectors: pass each message's tokens")
            out += self._dense_scores(tokens)
        return out + self.intercepts

    def _word_rows(self, tokens: list[str]) -> np.ndarray:
        """Each token's row in ``word_scores`` (the zero row of unknown words for the others)."""
        assert self.vectors is not None
        unknown = len(self.vectors.words)
        # map() runs the look-ups in C: no Python loop over the tokens
        return np.fromiter(map(self.vectors.index.get, tokens, repeat(unknown)), dtype=np.intp, count=len(tokens))

    def _dense_scores(self, tokens: list[list[str]]) -> np.ndarray:
        """``(len(tokens), k)``: the mean of each message's known words' scores (zeros when none is known)."""
        assert self.word_scores is not None
        out = np.zeros((len(tokens), self.word_scores.shape[1]), dtype=np.float32)
        lengths = np.fromiter(map(len, tokens), dtype=np.intp, count=len(tokens))
        rows = self._word_rows(list(chain.from_iterable(tokens)))
        if not len(rows):
            return out
        starts = np.zeros(len(tokens), dtype=np.intp)
        np.cumsum(lengths[:-1], out=starts[1:])
        has = lengths > 0
        known = np.add.reduceat((rows < len(self.word_scores) - 1).astype(np.float32), starts[has])
        sums = np.add.reduceat(self.word_scores[rows], starts[has], axis=0)
        out[has] = sums / np.maximum(known, 1.0)[:, None]
        return out

    def explain(self, text: str, column: str, top: int = 5) -> list[tuple[str, float]]:
        """The words (and word pairs, and shape features) that pushed ``column`` up the most."""
        return self.explain_columns(text, (column,), top)[0]

    def explain_columns(
        self,
        text: str,
        columns: tuple[str, ...],
        top: int = 5,
        tokens: list[str] | None = None,
        shape: list[str] | None = None,
    ) -> list[list[tuple[str, float]]]:
        """``explain`` for several columns at once (one pass; ``tokens`` and ``shape`` if already known)."""
        if tokens is None:
            tokens = tokenize(normalize(text))
        units, total = explain_tokens(text, tokens, shape)
        if not total:
            return [[] for _ in columns]
        needed = sorted({self.column(part) for c in columns for part in c.split("+")})
        gathered = self._rows(units)[:, needed] / np.sqrt(total)
        gathered[: len(tokens)] += self._dense_per_word(tokens)[:, needed]
        # a column named "a+b" is the mean of columns a and b (French toxicity)
        per_unit = np.column_stack(
            [np.mean([gathered[:, needed.index(self.column(part))] for part in c.split("+")], axis=0) for c in columns]
        )
        cols = list(range(len(columns)))
        out = []
        for k in range(len(cols)):
            weights = per_unit[:, k]
            ranked: list[tuple[str, float]] = []
            seen: set[str] = set()
            for u in np.argsort(-weights)[: top * 3]:
                w = float(weights[u])
                label = readable(units[u][0])
                if w <= 0 or len(ranked) >= top:
                    break
                if label not in seen:
                    seen.add(label)
                    ranked.append((label, w))
            out.append(ranked)
        return out

    def _dense_per_word(self, tokens: list[str]) -> np.ndarray:
        """``(len(tokens), k)``: each word's share of the dense score (its vector's score over the known words)."""
        if self.word_scores is None or not tokens:
            return np.zeros((len(tokens), len(self.columns)), dtype=np.float32)
        rows = self._word_rows(tokens)
        known = int(np.count_nonzero(rows < len(self.word_scores) - 1))
        return self.word_scores[rows] / max(known, 1)

    def _rows(self, units: list[tuple[str, tuple[int, ...]]]) -> np.ndarray:
        """``(len(units), k)``: each unit's summed weights (a unit's features depend on its label alone)."""
        cache = self._unit_rows
        rows = []
        for label, ids in units:
            row = cache.get(label)
            if row is None:
                row = self.weights[list(ids)].sum(axis=0)
                if len(cache) >= UNIT_CACHE_MAX:
                    cache.clear()
                cache[label] = row
            rows.append(row)
        return np.array(rows)


UNIT_CACHE_MAX = 50_000


def toxicity_logit(logits: np.ndarray, french: np.ndarray | bool) -> np.ndarray:
    """The toxicity logit: the French model for French messages, the English one otherwise.

    The French model is trained with everyday French tweets as not toxic, which
    keeps it from calling ordinary French comments toxic (MLMA's French tweets
    were collected around hateful keywords); mixing in the English model lowered
    its cross-validated macro-F1.
    """
    return np.where(french, logits[..., TOXICITY_FR], logits[..., TOXICITY])


@functools.lru_cache(maxsize=1)
def shipped() -> LinearModels:
    """The models shipped in ``animateur/nlp/models`` (loaded once)."""
    return LinearModels.load(MODELS_DIR)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))

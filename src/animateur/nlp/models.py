"""The shipped linear models: loading (no pickle) and batch scoring.

``models/linear.npz`` holds one weight column per output over the hashed feature
space of ``animateur.nlp.features`` (float16) and ``models/linear.json`` the
column names, intercepts and metadata. Scoring a batch is one gather and one
segmented sum in numpy.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from animateur.nlp.features import HASH_BITS, N_BUCKETS, batch_features, explain_tokens, readable

MODELS_DIR = Path(__file__).parent / "models"
FORMAT_VERSION = 1
COLUMNS: tuple[str, ...] = (
    "spam", "toxicity", "toxicity_fr", "sentiment_negative", "sentiment_neutral", "sentiment_positive",
)  # fmt: skip
SPAM, TOXICITY, TOXICITY_FR = 0, 1, 2
SENTIMENT = slice(3, 6)


@dataclass(frozen=True)
class LinearModels:
    """Weights ``(N_BUCKETS, k)`` and intercepts ``(k,)`` of the k named linear outputs."""

    columns: tuple[str, ...]
    weights: np.ndarray
    intercepts: np.ndarray
    meta: dict
    # summed weight row of each readable unit already explained: a word's row adds up a dozen
    # character n-grams, and the same words come back in message after message
    _unit_rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    def column(self, name: str) -> int:
        return self.columns.index(name)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(directory / "linear.npz", weights=self.weights.astype(np.float16))
        doc = {
            "format": FORMAT_VERSION,
            "hash_bits": HASH_BITS,
            "columns": list(self.columns),
            "intercepts": [float(x) for x in self.intercepts],
            "meta": self.meta,
        }
        (directory / "linear.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path) -> LinearModels:
        doc = json.loads((directory / "linear.json").read_text())
        if doc.get("format") != FORMAT_VERSION or doc.get("hash_bits") != HASH_BITS:
            raise RuntimeError(f"model files in {directory} do not match this version of animateur.nlp")
        with np.load(directory / "linear.npz", allow_pickle=False) as npz:
            weights = npz["weights"].astype(np.float32)
        if weights.shape != (N_BUCKETS, len(COLUMNS)) or tuple(doc["columns"]) != COLUMNS:
            raise RuntimeError(f"unexpected weight shape {weights.shape} in {directory}")
        return cls(tuple(doc["columns"]), weights, np.asarray(doc["intercepts"], dtype=np.float32), doc["meta"])

    # ------------------------------------------------------------ scoring

    def logits(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), k)`` raw scores."""
        idx, values, off = batch_features(texts)
        return self.logits_from_features(idx, values, off)

    def logits_from_features(self, idx: np.ndarray, values: np.ndarray, off: np.ndarray) -> np.ndarray:
        n = len(off) - 1
        out = np.zeros((n, len(self.columns)), dtype=np.float32)
        if len(idx):
            contrib = self.weights[idx] * values[:, None]
            starts = off[:-1]
            nonempty = off[1:] > starts
            if nonempty.any():
                out[nonempty] = np.add.reduceat(contrib, starts[nonempty], axis=0)
        return out + self.intercepts

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
        units, total = explain_tokens(text, tokens, shape)
        if not total:
            return [[] for _ in columns]
        needed = sorted({self.column(part) for c in columns for part in c.split("+")})
        gathered = self._rows(units)[:, needed] / np.sqrt(total)
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

"""The shipped linear models: loading (no pickle) and batch scoring.

``models/linear.npz`` holds one weight column per output over the hashed feature
space of ``animateur.nlp.features`` (float16) and ``models/linear.json`` the
column names, intercepts and metadata. Scoring a batch is one gather and one
segmented sum in numpy.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from animateur.nlp.features import HASH_BITS, N_BUCKETS, batch_features, explain_tokens

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
        return cls(
            tuple(doc["columns"]), weights, np.asarray(doc["intercepts"], dtype=np.float32), doc["meta"]
        )

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
        col = self.column(column)
        units, total = explain_tokens(text)
        if not total:
            return []
        scale = 1.0 / float(np.sqrt(total))
        seen: dict[str, float] = {}
        for label, ids in units:
            weight = float(self.weights[ids, col].sum()) * scale
            seen[label] = seen.get(label, 0.0) + weight
        ranked = sorted(((w, label) for label, w in seen.items() if w > 0), reverse=True)[:top]
        return [(label, w) for w, label in ranked]


@functools.lru_cache(maxsize=1)
def shipped() -> LinearModels:
    """The models shipped in ``animateur/nlp/models`` (loaded once)."""
    return LinearModels.load(MODELS_DIR)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))

"""Static word vectors: a message's dense vector is the mean of its words' vectors.

``models/words.npz`` (no pickle) holds the vocabulary (normalised words, as in
``animateur.nlp.features``), one int8 vector per word with its float16 scale, and
a JSON note of where they come from. They were distilled at training time from a
sentence model (``animateur.nlp.distill``, see ``models/README.md``); here it is
numpy only: a dictionary look-up per word and a segmented mean.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from animateur.nlp.npz import write_npz

PLACEHOLDERS = frozenset({"xxurl", "xxemail", "xxuser"})


def is_word(token: str) -> bool:
    """Tokens that get a vector: words and numbers, not punctuation nor the link/mention placeholders."""
    return token[0].isalnum() and token not in PLACEHOLDERS


@dataclass
class WordVectors:
    words: list[str]
    quantized: np.ndarray  # (V, D) int8
    scales: np.ndarray  # (V,) float16: vector = quantized * scale
    meta: dict
    index: dict[str, int] = field(init=False, repr=False)
    matrix: np.ndarray = field(init=False, repr=False)  # (V, D) float32, dequantized

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}
        self.matrix = self.quantized.astype(np.float32) * self.scales.astype(np.float32)[:, None]

    @property
    def dims(self) -> int:
        return int(self.quantized.shape[1])

    @classmethod
    def from_float(cls, words: list[str], vectors: np.ndarray, meta: dict) -> WordVectors:
        """int8 with one scale per word (the largest absolute value maps to 127)."""
        peak = np.abs(vectors).max(axis=1)
        scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float16)
        quantized = np.clip(np.round(vectors / scales.astype(np.float32)[:, None]), -127, 127).astype(np.int8)
        return cls(words, quantized, scales, meta)

    def save(self, path: Path) -> None:
        write_npz(
            path,
            words=np.frombuffer("\n".join(self.words).encode(), dtype=np.uint8),
            vectors=self.quantized,
            scales=self.scales,
            meta=np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), dtype=np.uint8),
        )

    @classmethod
    def load(cls, path: Path) -> WordVectors:
        with np.load(path, allow_pickle=False) as npz:
            words = npz["words"].tobytes().decode().split("\n")
            vectors, scales = npz["vectors"], npz["scales"]
            meta = json.loads(npz["meta"].tobytes().decode())
        if vectors.shape[0] != len(words) or scales.shape != (len(words),):
            raise RuntimeError(f"inconsistent word vectors in {path}")
        return cls(words, vectors, scales, meta)

    def subset(self, words: Sequence[str]) -> WordVectors:
        """The vectors of those of ``words`` this file knows, in that order (the same numbers, not recomputed)."""
        rows = [self.index[w] for w in words if w in self.index]
        meta = {**self.meta, "subset_of_words": len(self.words)}
        return WordVectors([self.words[r] for r in rows], self.quantized[rows], self.scales[rows], meta)

    def mean_vectors(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """``(len(token_lists), D)``: the mean vector of each message's known words (zeros when none)."""
        index = self.index
        ids: list[int] = []
        counts = np.zeros(len(token_lists), dtype=np.int64)
        for k, tokens in enumerate(token_lists):
            before = len(ids)
            for tok in tokens:
                row = index.get(tok)
                if row is not None:
                    ids.append(row)
            counts[k] = len(ids) - before
        out = np.zeros((len(token_lists), self.dims), dtype=np.float32)
        if ids:
            rows = self.matrix[np.asarray(ids, dtype=np.int64)]
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
            has = counts > 0
            out[has] = np.add.reduceat(rows, starts[has], axis=0) / counts[has, None]
        return out

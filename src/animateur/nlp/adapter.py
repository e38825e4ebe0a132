"""What one workspace's moderators taught the models.

A ``WorkspaceAdapter`` holds two things, both bounded in size:

- a correction of each linear model (spam, toxicity): sparse weights over the
  same hashed features, learned online (a few logistic-loss SGD steps per
  decision on top of the shipped model's score), so messages that share words
  with a moderated one move the same way;
- a near-duplicate memory: the MinHash signature (64 hashes over character
  5-grams) of the last ``max_memory`` moderated messages, searched through
  locality-sensitive hashing (16 bands of 4), so a near-identical copy of a
  message marked spam is scored as spam at once, whatever the weights say.

It never changes the shipped models, so each workspace's adapter is independent.
``to_bytes`` / ``from_bytes`` give a compact, versioned, pickle-free blob
(zlib-compressed JSON) that the moderation app stores in the database.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections import OrderedDict
from typing import Literal

import numpy as np

from animateur.nlp.features import N_BUCKETS, batch_features, normalize
from animateur.nlp.models import SPAM, LinearModels, shipped, sigmoid, toxicity_logit
from animateur.nlp.registers import shipped_spam_model

Kind = Literal["spam", "toxicity"]
KINDS: tuple[str, ...] = ("spam", "toxicity")
BLOB_VERSION = 1

_N_HASHES = 64
_BANDS = 16
_ROWS = _N_HASHES // _BANDS
_SHINGLE = 5
_rng = np.random.default_rng(20240607)
_A = (_rng.integers(1, 2**63, _N_HASHES, dtype=np.uint64) | np.uint64(1)).astype(np.uint64)
_B = _rng.integers(0, 2**63, _N_HASHES, dtype=np.uint64).astype(np.uint64)
_SPACES = re.compile(r"\s+")


def minhash(text: str) -> np.ndarray:
    """64 uint32 MinHash values of the character 5-grams of the normalised text."""
    norm = _SPACES.sub(" ", normalize(text)).strip()
    shingles = {norm[i : i + _SHINGLE] for i in range(len(norm) - _SHINGLE + 1)} or {norm}
    h = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
    with np.errstate(over="ignore"):
        mixed = (h[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return mixed.min(axis=0).astype(np.uint32)


def _band_keys(sig: np.ndarray) -> list[bytes]:
    raw = sig.tobytes()
    step = _ROWS * 4
    return [bytes([b]) + raw[b * step : (b + 1) * step] for b in range(_BANDS)]


class WorkspaceAdapter:
    """Per-workspace learning from moderation decisions (see the module docstring)."""

    def __init__(
        self,
        *,
        max_memory: int = 2000,
        max_weights: int = 20000,
        learning_rate: float = 1.5,
        duplicate_similarity: float = 0.6,
        base: LinearModels | None = None,
    ) -> None:
        self.base = base  # the models it corrects (default: the shipped ones); not stored in the blob
        self.max_memory = max_memory
        self.max_weights = max_weights
        self.learning_rate = learning_rate
        self.duplicate_similarity = duplicate_similarity
        self.weights: dict[str, dict[int, float]] = {kind: {} for kind in KINDS}
        # memory id -> (kind, label, signature); insertion order is age order
        self._memory: OrderedDict[int, tuple[str, bool, np.ndarray]] = OrderedDict()
        self._bands: dict[bytes, set[int]] = {}
        self._next_id = 0
        self._dense: dict[str, np.ndarray] = {}
        self.decisions = 0

    # ------------------------------------------------------------ learning

    def learn(self, text: str, language: str | None, kind: Kind, label: bool) -> None:
        """Record one moderator decision: ``label`` True for spam / to hide, False for not spam / restore.

        ``language`` is accepted for the record (the features are shared by French
        and English); decisions on any language feed the near-duplicate memory.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        self.decisions += 1
        self._remember(text, kind, bool(label))
        tokens: list[list[str]] = []
        shapes: list[list[str]] = []
        idx, values, off = batch_features([text], tokens, shapes)
        if not len(idx):
            return
        logits = (self.base or shipped()).logits_from_features(idx, values, off, tokens)[0]
        french = language == "fr"
        base = float(logits[SPAM]) if kind == "spam" else float(toxicity_logit(logits, french))
        spam_model = shipped_spam_model() if self.base is None and kind == "spam" else None
        if spam_model is not None:  # the shipped spam score is the register spam model's (no register known here)
            base = float(spam_model.logits(idx, values, off, [None], shapes)[0])
        target = 1.0 if label else 0.0
        weights = self.weights[kind]
        for _ in range(8):
            z = base + sum(weights.get(int(i), 0.0) * float(v) for i, v in zip(idx, values, strict=True))
            if (z > 1.5) if label else (z < -1.5):
                break
            grad = target - float(sigmoid(np.asarray(z)))
            for i, v in zip(idx, values, strict=True):
                key = int(i)
                weights[key] = weights.get(key, 0.0) + self.learning_rate * grad * float(v)
        if len(weights) > self.max_weights:
            keep = sorted(weights.items(), key=lambda kv: abs(kv[1]), reverse=True)[: self.max_weights * 3 // 4]
            self.weights[kind] = dict(keep)
        self._dense.pop(kind, None)

    def _remember(self, text: str, kind: str, label: bool) -> None:
        sig = minhash(text)
        for mem_id, sim in self._similar(sig, kind):
            if sim >= 0.95:
                self._forget(mem_id)
        mem_id = self._next_id
        self._next_id += 1
        self._memory[mem_id] = (kind, label, sig)
        for key in _band_keys(sig):
            self._bands.setdefault(key, set()).add(mem_id)
        while len(self._memory) > self.max_memory:
            self._forget(next(iter(self._memory)))

    def _forget(self, mem_id: int) -> None:
        _, _, sig = self._memory.pop(mem_id)
        for key in _band_keys(sig):
            ids = self._bands.get(key)
            if ids is not None:
                ids.discard(mem_id)
                if not ids:
                    del self._bands[key]

    def _similar(self, sig: np.ndarray, kind: str) -> list[tuple[int, float]]:
        candidates: set[int] = set()
        for key in _band_keys(sig):
            candidates |= self._bands.get(key, set())
        found = []
        for mem_id in candidates:
            mem_kind, _, mem_sig = self._memory[mem_id]
            if mem_kind == kind:
                found.append((mem_id, float(np.mean(mem_sig == sig))))
        return found

    def nearest(self, text: str, kind: Kind) -> tuple[bool, float] | None:
        """(label, similarity) of the most similar remembered decision of this kind above the threshold."""
        if not self._memory:
            return None
        return self._nearest_signature(minhash(text), kind)

    def _nearest_signature(self, sig: np.ndarray, kind: str) -> tuple[bool, float] | None:
        best = max(self._similar(sig, kind), key=lambda x: (x[1], x[0]), default=None)
        if best is None or best[1] < self.duplicate_similarity:
            return None
        return self._memory[best[0]][1], best[1]

    # ------------------------------------------------------------ scoring

    def _dense_weights(self, kind: str) -> np.ndarray | None:
        if not self.weights[kind]:
            return None
        dense = self._dense.get(kind)
        if dense is None:
            dense = np.zeros(N_BUCKETS, dtype=np.float32)
            keys = np.fromiter(self.weights[kind].keys(), dtype=np.int64)
            dense[keys] = np.fromiter(self.weights[kind].values(), dtype=np.float32)
            self._dense[kind] = dense
        return dense

    def adjust(
        self,
        texts: list[str],
        idx: np.ndarray,
        values: np.ndarray,
        off: np.ndarray,
        spam_logit: np.ndarray,
        toxicity_logit: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Adapted (spam, toxicity) probabilities and a mask of the messages the adapter changed."""
        out = []
        adapted = np.zeros(len(texts), bool)
        signatures = [minhash(text) for text in texts] if self._memory else []
        starts = off[:-1]
        nonempty = off[1:] > starts
        for kind, logit in (("spam", spam_logit), ("toxicity", toxicity_logit)):
            z = logit.astype(np.float64).copy()
            dense = self._dense_weights(kind)
            if dense is not None and len(idx) and nonempty.any():
                corr = np.zeros(len(texts))
                corr[nonempty] = np.add.reduceat(dense[idx] * values, starts[nonempty])
                adapted |= np.abs(corr) > 0.05
                z += corr
            p = sigmoid(z)
            for j, sig in enumerate(signatures):
                near = self._nearest_signature(sig, kind)
                if near is not None:
                    label, sim = near
                    strength = 0.5 + 0.5 * (sim - self.duplicate_similarity) / (1 - self.duplicate_similarity)
                    p[j] = strength * float(label) + (1 - strength) * p[j]
                    adapted[j] = True
            out.append(p)
        return out[0], out[1], adapted

    def explain(self, text: str, kind: str, explained: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Add the near-duplicate reason (if any) in front of the model's reasons."""
        near = self.nearest(text, kind)  # type: ignore[arg-type]
        if near is None or not near[0]:
            return explained
        label = "spam" if kind == "spam" else "hidden"
        return [(f"near-duplicate of a message a moderator marked {label}", near[1]), *explained]

    # ------------------------------------------------------------ storage

    def to_bytes(self) -> bytes:
        doc = {
            "version": BLOB_VERSION,
            "settings": {
                "max_memory": self.max_memory,
                "max_weights": self.max_weights,
                "learning_rate": self.learning_rate,
                "duplicate_similarity": self.duplicate_similarity,
            },
            "decisions": self.decisions,
            "weights": {
                kind: {
                    "keys": base64.b64encode(np.fromiter(w.keys(), np.int32, len(w)).tobytes()).decode(),
                    "values": base64.b64encode(np.fromiter(w.values(), np.float32, len(w)).tobytes()).decode(),
                }
                for kind, w in self.weights.items()
            },
            "memory": [
                [kind, int(label), base64.b64encode(sig.tobytes()).decode()]
                for kind, label, sig in self._memory.values()
            ],
        }
        return zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> WorkspaceAdapter:
        try:
            doc = json.loads(zlib.decompress(blob))
        except (zlib.error, ValueError) as exc:
            raise ValueError("not a WorkspaceAdapter blob") from exc
        if doc.get("version") != BLOB_VERSION:
            raise ValueError(f"unsupported WorkspaceAdapter blob version {doc.get('version')!r}")
        adapter = cls(**doc["settings"])
        adapter.decisions = int(doc.get("decisions", 0))
        for kind in KINDS:
            part = doc["weights"].get(kind, {"keys": "", "values": ""})
            keys = np.frombuffer(base64.b64decode(part["keys"]), dtype=np.int32)
            vals = np.frombuffer(base64.b64decode(part["values"]), dtype=np.float32)
            adapter.weights[kind] = dict(zip(keys.tolist(), vals.tolist(), strict=True))
        for kind, label, sig in doc["memory"]:
            mem_id = adapter._next_id
            adapter._next_id += 1
            signature = np.frombuffer(base64.b64decode(sig), dtype=np.uint32).copy()
            adapter._memory[mem_id] = (kind, bool(label), signature)
            for key in _band_keys(signature):
                adapter._bands.setdefault(key, set()).add(mem_id)
        return adapter

    def __len__(self) -> int:
        return len(self._memory)

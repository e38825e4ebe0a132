"""Training of the sentiment model (``animateur.nlp.sentiment``), for scripts/train_sentiment.py.

Needs scikit-learn and scipy, and the rated lexicons of the ``train-sentiment`` extra
(vaderSentiment for English, vaderSentiment-fr for French, both MIT): their files are read here
only; what is shipped is each rated word's CRC-32 with its learnt share of the scores
(``sentiment.Valences``), never the lexicons' text.

One logistic regression (one-vs-rest, liblinear) over the features of both languages, each block
given three times (Daumé III 2007, « frustratingly easy domain adaptation »): once shared, once for
French messages only, once for English only; the shared and the language's weights are then added
up into that language's three columns, so inference stays one linear model a language.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from animateur.nlp.embeddings import WordVectors
from animateur.nlp.features import N_BUCKETS, batch_features, normalize, tokenize
from animateur.nlp.sentiment import (
    COLUMNS,
    N_EXTRA,
    SENTIMENTS,
    SentimentModel,
    extra_values,
    scan,
    valence_features,
    word_key,
)
from animateur.nlp.sentiment import Valences as ValenceTable
from animateur.nlp.training import Dataset, read_sentiment

Log = Callable[[str], None]
LANGUAGE_FOLDERS = {"fr": "french", "en": "english"}
# C of the regression, chosen by 3-fold cross-validation inside the training tweets
CS = (0.3, 1.0, 3.0, 10.0)
# one regression for both languages (True) or one a language (False), chosen by cross-validation
SHARED = False
# Each block's scale before the regression (hashed features, own features, mean word vector,
# valences), a language: an L2-regularised regression shrinks a block's weights less when its
# values are larger. Chosen by 3-fold CV inside each language's train tweets (models/README.md).
BLOCK_SCALES: dict[str, tuple[float, float, float, float]] = {"fr": (1.0, 1.0, 1.0, 1.0), "en": (1.0, 1.0, 3.0, 6.0)}
# The rated lexicons of the train-sentiment extra, a language: (package, file, format, factor
# bringing its valences to VADER's scale of -4 to 4).
LEXICONS: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "en": (("vaderSentiment", "vader_lexicon.txt", "tab", 1.0),),
    "fr": (
        ("vaderSentiment_fr", "fr_lexicon.txt", "arrow", 1.0),
        ("textblob_fr", "fr-sentiment.xml", "pattern", 4.0),
    ),
}
Lexicons = dict[str, list[dict[str, float]]]  # a language: its lexicons, each word -> valence


def _quiet(_message: str) -> None:
    return None


def read_valences(lang: str) -> list[dict[str, float]]:
    """A language's rated lexicons: words (normalised as tokens are, one token each) and mean valence."""
    return [_read_lexicon(*lexicon) for lexicon in LEXICONS[lang]]


def _entries(path: Path, kind: str) -> list[tuple[str, str]]:
    if kind == "pattern":  # pattern's XML: <word form="..." polarity="..." .../>
        import xml.etree.ElementTree as ET

        return [(w.get("form", ""), w.get("polarity", "")) for w in ET.parse(path).getroot().iter("word")]  # noqa: S314 - an installed package's file
    separator = "\t" if kind == "tab" else "->"
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if kind == "tab":
                parts = line.rstrip("\n").split(separator)
                out.append((parts[0], parts[1]) if len(parts) >= 2 else ("", ""))
            else:
                word, _, value = line.rstrip("\n").rpartition(separator)
                out.append((word, value))
    return out


def _read_lexicon(package: str, filename: str, kind: str, factor: float) -> dict[str, float]:
    spec = importlib.util.find_spec(package)  # located, not imported (vaderSentiment-fr imports more)
    if spec is None or not spec.submodule_search_locations:
        needs = "pip install -e '.[train-sentiment]'"
        raise SystemExit(f"the {package} package is needed to train the sentiment model ({needs})")
    path = Path(next(iter(spec.submodule_search_locations))) / filename
    sums: dict[str, list[float]] = {}
    for word, value in _entries(path, kind):
        tokens = tokenize(normalize(word))
        if len(tokens) != 1 or not word:
            continue
        try:
            sums.setdefault(tokens[0], []).append(float(value) * factor)
        except ValueError:
            continue
    return {w: float(np.mean(v)) for w, v in sums.items() if np.mean(v) != 0}


def valence_columns(valences: Lexicons) -> int:
    """Four columns a lexicon, as many lexicons as the language that has most."""
    return 4 * max(len(lexicons) for lexicons in valences.values())


@dataclass
class Design:
    """The training matrix of a set of messages and what each block's columns are."""

    matrix: sp.csr_matrix
    french: np.ndarray


BLOCKS = (N_BUCKETS, N_EXTRA)  # hashed, own; then the word vector's D and the 4 valences


def base_matrix(
    texts: Sequence[str], french: np.ndarray, valences: Lexicons, vectors: WordVectors | None
) -> sp.csr_matrix:
    """[hashed features | own features | mean word vector | four valences a lexicon], as read at inference."""
    tokens: list[list[str]] = []
    idx, values, off = batch_features(texts, tokens)
    X = sp.csr_matrix((values, idx, off), shape=(len(texts), N_BUCKETS))
    ex_idx: list[int] = []
    ex_off = [0]
    val = np.zeros((len(texts), valence_columns(valences)))
    for j, (text, toks) in enumerate(zip(texts, tokens, strict=True)):
        feats, flags = scan(text, toks)
        ex_idx.extend(feats)
        ex_off.append(len(ex_idx))
        for k, lexicon in enumerate(valences["fr" if french[j] else "en"]):
            val[j, 4 * k : 4 * k + 4] = valence_features(toks, flags, lexicon)
    offsets = np.asarray(ex_off, dtype=np.int64)
    E = sp.csr_matrix((extra_values(offsets), np.asarray(ex_idx, dtype=np.int64), offsets), shape=(len(texts), N_EXTRA))
    blocks = [X, E]
    if vectors is not None:
        blocks.append(sp.csr_matrix(vectors.mean_vectors(tokens)))
    blocks.append(sp.csr_matrix(val))
    return sp.hstack(blocks, format="csr")


def augmented(base: sp.csr_matrix, french: np.ndarray) -> sp.csr_matrix:
    """[shared | French only | English only | is French | is English]."""
    fr = french.astype(np.float64)
    return sp.hstack(
        [
            base,
            sp.diags(fr) @ base,
            sp.diags(1.0 - fr) @ base,
            sp.csr_matrix(fr[:, None]),
            sp.csr_matrix(1.0 - fr[:, None]),
        ],
        format="csr",
    )


def _fit(Z: sp.csr_matrix, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    coefs, intercepts = [], []
    for k in range(len(SENTIMENTS)):  # one-vs-rest: liblinear's dual solver is fast with few messages
        model = LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=5000)
        model.fit(Z, (y == k).astype(int))
        coefs.append(model.coef_[0])
        intercepts.append(float(model.intercept_[0]))
    return np.asarray(coefs), np.asarray(intercepts)


def _predict(coef: np.ndarray, intercept: np.ndarray, Z: sp.csr_matrix) -> np.ndarray:
    return np.asarray(Z @ coef.T) + intercept


def macro_f1(y: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro"))


def train_sentiment_model(
    data: Path,
    vectors: WordVectors | None,
    log: Log = _quiet,
    cs: Sequence[float] = CS,
    valences: Lexicons | None = None,
    shared: bool = SHARED,
    scales: dict[str, tuple[float, float, float, float]] | None = None,
) -> SentimentModel:
    """The model trained on the French and English train tweets (never their val splits).

    ``shared``: one regression over both languages with shared and per-language weights, C by
    3-fold CV of the mean of both languages' macro-F1; else one regression a language, each with
    its own C by 3-fold CV on its own tweets.
    """
    valences = valences if valences is not None else {lang: read_valences(lang) for lang in LANGUAGE_FOLDERS}
    parts = {lang: read_sentiment(data, folder, "train") for lang, folder in LANGUAGE_FOLDERS.items()}
    texts = [t for ds in parts.values() for t in ds.texts]
    y = np.asarray([label for ds in parts.values() for label in ds.labels])
    french = np.asarray([lang == "fr" for lang, ds in parts.items() for _ in ds.texts])
    base = base_matrix(texts, french, valences, vectors)
    width = base.shape[1]
    chosen: dict[str, float] = {}
    if shared:
        Z = augmented(base, french)
        c, score = _choose(Z, y, french, cs, log, "both")
        coef, intercept = _fit(Z, y, c)
        chosen = {"fr": c, "en": c}
    else:
        coef = np.zeros((len(SENTIMENTS), 3 * width + 2))
        intercept = np.zeros(len(SENTIMENTS))
        for g, (lang, is_fr) in enumerate((("fr", True), ("en", False))):
            rows = np.flatnonzero(french == is_fr)
            scale = block_scale(width, (scales or BLOCK_SCALES)[lang], valence_columns(valences))
            Z = sp.hstack([base[rows] @ sp.diags(scale), sp.csr_matrix(np.ones((len(rows), 1)))], format="csr")
            c, _score = _choose(Z, y[rows], french[rows], cs, log, lang)
            lang_coef, lang_intercept = _fit(Z, y[rows], c)
            # the weights of the scaled features, times the scale: weights of the features as read
            coef[:, width * (1 + g) : width * (2 + g)] = lang_coef[:, :width] * scale
            coef[:, 3 * width + g] = lang_coef[:, width] + lang_intercept
            chosen[lang] = c
    meta = {
        "trained_on": ["sentiment/tweets french train", "sentiment/tweets english train"],
        "lexicons": {
            "en": "vaderSentiment 3.3 (Hutto & Gilbert 2014, MIT): valences read at training, CRC-32 keys shipped",
            "fr": "vaderSentiment-fr 1.3 (MIT) and pattern's French adjectives (textblob-fr 0.2, MIT; lexicon PDDL):"
            " valences read at training, CRC-32 keys shipped",
        },
        "C": chosen,
        "block_scales": {lang: list((scales or BLOCK_SCALES)[lang]) for lang in LANGUAGE_FOLDERS},
        "model": "one-vs-rest logistic regression, "
        + ("shared + per-language weights (feature augmentation)" if shared else "one a language"),
    }
    return fold(coef, intercept, width, valences, vectors, meta)


def block_scale(width: int, scales: tuple[float, float, float, float], valence_width: int = 4) -> np.ndarray:
    """Each column's scale: hashed features, own features, mean word vector, the valences."""
    out = np.full(width, scales[2])
    out[:N_BUCKETS] = scales[0]
    out[N_BUCKETS : N_BUCKETS + N_EXTRA] = scales[1]
    out[width - valence_width :] = scales[3]
    return out


def _choose(
    Z: sp.csr_matrix, y: np.ndarray, french: np.ndarray, cs: Sequence[float], log: Log, name: str
) -> tuple[float, float]:
    """The C of ``cs`` with the best 3-fold CV macro-F1 (the mean of the languages present)."""
    from sklearn.model_selection import StratifiedKFold

    if len(cs) == 1:
        return cs[0], float("nan")
    best = (cs[0], -1.0)
    folds = StratifiedKFold(3, shuffle=True, random_state=7)
    for c in cs:
        pred = np.zeros(len(y), dtype=int)
        for train, test in folds.split(np.zeros(len(y)), y * 2 + french):
            coef, intercept = _fit(Z[train], y[train], c)
            pred[test] = np.argmax(_predict(coef, intercept, Z[test]), axis=1)
        scores = [macro_f1(y[french == v], pred[french == v]) for v in (True, False) if (french == v).any()]
        log(f"  sentiment CV {name} C={c}: macro-F1 {' / '.join(f'{x:.4f}' for x in scores)}")
        if np.mean(scores) > best[1]:
            best = (c, float(np.mean(scores)))
    return best


def fold(
    coef: np.ndarray,
    intercept: np.ndarray,
    width: int,
    valences: Lexicons,
    vectors: WordVectors | None,
    meta: dict,
) -> SentimentModel:
    """The shipped model: each language's columns are the shared weights plus its own."""
    dims = 0 if vectors is None else vectors.dims
    weights = np.zeros((N_BUCKETS, len(COLUMNS)), dtype=np.float32)
    extra = np.zeros((N_EXTRA, len(COLUMNS)), dtype=np.float32)
    dense = np.zeros((dims, len(COLUMNS)), dtype=np.float32) if vectors is not None else None
    intercepts = np.zeros(len(COLUMNS), dtype=np.float32)
    tables: dict[str, ValenceTable] = {}
    for g, lang in enumerate(("fr", "en")):
        per_class = coef[:, :width] + coef[:, width * (1 + g) : width * (2 + g)]  # (3, width)
        cols = slice(3 * g, 3 * g + 3)
        weights[:, cols] = per_class[:, :N_BUCKETS].T
        extra[:, cols] = per_class[:, N_BUCKETS : N_BUCKETS + N_EXTRA].T
        if dense is not None:
            dense[:, cols] = per_class[:, N_BUCKETS + N_EXTRA : N_BUCKETS + N_EXTRA + dims].T
        intercepts[cols] = intercept + coef[:, 3 * width + g]
        n_val = valence_columns(valences)
        w_val = per_class[:, width - n_val : width]  # (3, 4 a lexicon): positive, negative, and negated
        shares: dict[str, np.ndarray] = {}
        for k, lexicon in enumerate(valences[lang]):
            for w, v in lexicon.items():
                sign = 0 if v > 0 else 1
                row = shares.setdefault(w, np.zeros((2, 3), dtype=np.float64))
                row[0] += v * w_val[:, 4 * k + sign]
                row[1] += v * w_val[:, 4 * k + 2 + sign]
        words = sorted(shares, key=word_key)
        keys = np.asarray([word_key(w) for w in words], dtype=np.uint32)
        rows = np.asarray([shares[w] for w in words], dtype=np.float32).reshape(len(words), 2, 3)
        tables[lang] = ValenceTable(keys, rows)
    return SentimentModel(weights, extra, intercepts, meta, tables, dense, vectors)


def evaluate(model: SentimentModel, data: Path, split: str = "val") -> dict[str, dict[str, float]]:
    """Per language: macro-F1 and accuracy of the three classes, and on the positive and negative
    tweets alone the share given the right polarity and the share called neutral."""
    from animateur.nlp.features import batch_features as features

    out: dict[str, dict[str, float]] = {}
    for lang, folder in LANGUAGE_FOLDERS.items():
        ds: Dataset = read_sentiment(data, folder, split)
        tokens: list[list[str]] = []
        idx, values, off = features(ds.texts, tokens)
        pred = model.classify(ds.texts, idx, values, off, tokens, np.full(len(ds), lang == "fr"))
        y = np.asarray(ds.labels)
        polar = y != 1
        out[lang] = {
            "n": len(ds),
            "macro_f1": round(macro_f1(y, pred), 4),
            "accuracy": round(float(np.mean(pred == y)), 4),
            "polar_right": round(float(np.mean(pred[polar] == y[polar])), 4),
            "polar_called_neutral": round(float(np.mean(pred[polar] == 1)), 4),
        }
    return out

"""Data loading and model training, shared by scripts/train_models.py and bench/moderation.py.

This module needs scikit-learn and scipy; inference (``animateur.nlp``) does not
import it. Every reader takes the data folder described in ``../shared/data/README.md``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from animateur.nlp import register_data as R
from animateur.nlp.embeddings import WordVectors
from animateur.nlp.features import N_BUCKETS, batch_features, normalize, tokenize

if TYPE_CHECKING:
    from animateur.nlp.blocklists import KnownSpam
    from animateur.nlp.models import LinearModels

# Where training reports its progress (print in scripts, nothing in tests and benchmarks).
Log = Callable[[str], None]

YOUTUBE_VIDEOS = ("01-psy", "04-katyperry", "07-lmfao")
TOXIC_LABELS = frozenset({"offensive", "abusive", "hateful"})
SENTIMENT_CLASSES = ("negative", "neutral", "positive")


@dataclass
class Dataset:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)

    def __add__(self, other: Dataset) -> Dataset:
        return Dataset(self.texts + other.texts, self.labels + other.labels, self.dates + other.dates)

    def __len__(self) -> int:
        return len(self.texts)


# ---------------------------------------------------------------- readers


def read_youtube(data: Path, video: str) -> Dataset:
    """One YouTube Spam Collection video, in file order (COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS)."""
    ds = Dataset()
    with open(data / "spam" / "youtube" / f"{video}.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ds.texts.append(row["CONTENT"])
            ds.labels.append(int(row["CLASS"]))
            ds.dates.append(row.get("DATE") or "")
    return ds


def read_sms(data: Path) -> Dataset:
    """SMS Spam Collection: ``label<TAB>text`` with a header line."""
    ds = Dataset()
    with open(data / "spam" / "sms" / "SMSSpamCollection.tsv", encoding="utf-8", errors="replace") as fh:
        next(fh, None)
        for line in fh:
            label, _, text = line.rstrip("\n").partition("\t")
            if label in ("ham", "spam") and text:
                ds.texts.append(text)
                ds.labels.append(int(label == "spam"))
    return ds


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh]


def read_olid(data: Path, split: str) -> Dataset:
    """OLID (OffensEval 2019, TweetEval): split is ``train`` or ``val``; 1 = offensive."""
    folder = data / "toxicity" / "olid"
    texts = _read_lines(folder / f"{split}_text.txt")
    labels = [int(x) for x in _read_lines(folder / f"{split}_labels.txt") if x.strip()]
    return Dataset(texts[: len(labels)], labels)


def read_davidson(data: Path) -> Dataset:
    """Davidson et al.: classes 0 hate and 1 offensive are toxic, 2 neither is not."""
    ds = Dataset()
    with open(data / "toxicity" / "davidson" / "labeled_data.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ds.texts.append(row["tweet"])
            ds.labels.append(int(row["class"] != "2"))
    return ds


def read_mlma(data: Path, language: str) -> Dataset:
    """MLMA tweets (``fr`` or ``en``): toxic when offensive, abusive or hateful; not toxic when only normal.

    Tweets labelled only fearful or disrespectful (and not normal) are left out:
    they are neither of the two classes the benchmark compares.
    """
    ds = Dataset()
    with open(data / "toxicity" / "mlma" / f"{language}_dataset.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            labels = set(row["sentiment"].split("_"))
            if labels & TOXIC_LABELS:
                ds.texts.append(row["tweet"])
                ds.labels.append(1)
            elif labels == {"normal"}:
                ds.texts.append(row["tweet"])
                ds.labels.append(0)
    return ds


def read_sentiment(data: Path, language: str, split: str) -> Dataset:
    """Sentiment tweets: language ``french`` or ``english``; labels 0 negative, 1 neutral, 2 positive."""
    folder = data / "sentiment" / "tweets" / language
    texts = _read_lines(folder / f"{split}_text.txt")
    labels = [int(x) for x in _read_lines(folder / f"{split}_labels.txt") if x.strip()]
    return Dataset(texts[: len(labels)], labels)


def split_holdout(ds: Dataset, fraction: float = 0.2, seed: int = 13) -> tuple[Dataset, Dataset]:
    """A seeded, stratified (train, held-out) split: each class keeps its share in both parts."""
    train_ids: list[int] = []
    held_ids: list[int] = []
    for label in sorted(set(ds.labels)):
        ids = [i for i, y in enumerate(ds.labels) if y == label]
        random.Random(seed).shuffle(ids)
        cut = int(round(len(ids) * (1 - fraction)))
        train_ids += ids[:cut]
        held_ids += ids[cut:]
    pick = lambda ids: Dataset([ds.texts[i] for i in sorted(ids)], [ds.labels[i] for i in sorted(ids)])  # noqa: E731
    return pick(train_ids), pick(held_ids)


# ---------------------------------------------------------------- matrices


def featurize(texts: Sequence[str]) -> sp.csr_matrix:
    """The sparse matrix of hashed features (duplicates summed), as used at inference."""
    idx, values, off = batch_features(texts)
    return sp.csr_matrix((values, idx, off), shape=(len(texts), N_BUCKETS))


def dense_features(texts: Sequence[str], vectors: WordVectors) -> np.ndarray:
    """Each message's mean word vector, as used at inference."""
    return vectors.mean_vectors([tokenize(normalize(t)) for t in texts])


# ---------------------------------------------------------------- training


@dataclass
class Trained:
    """One linear output: weights over the hashed features (and the dense word-vector mean), intercept.

    The decision threshold is folded into the intercept.
    """

    coef: np.ndarray
    intercept: float
    threshold: float
    c: float = 1.0
    dense_coef: np.ndarray | None = None
    dense_scale: float = 0.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def nb_ratios(X: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Naive Bayes log-count ratios of each feature (Wang & Manning 2012), from weighted presence counts."""
    present = X.copy()
    present.data = np.ones_like(present.data)
    present = sp.diags(weights) @ present
    pos = alpha + np.asarray(present[y == 1].sum(axis=0)).ravel()
    neg = alpha + np.asarray(present[y == 0].sum(axis=0)).ravel()
    return np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float64)


Fit = tuple[np.ndarray, float, np.ndarray | None]


def _fit_binary(
    X: sp.csr_matrix,
    y: np.ndarray,
    weights: np.ndarray,
    c: float,
    dense: np.ndarray | None = None,
    dense_scale: float = 0.0,
) -> Fit:
    """NB-LR: logistic regression over features scaled by their NB log-count ratios.

    The scaling is folded back into the weights (``coef * r``), so the result is
    an ordinary linear model over the same hashed features: inference is unchanged.
    ``dense`` (each message's mean word vector) is appended, times ``dense_scale``,
    without NB scaling (its values are signed); the scale is folded back too.
    """
    from sklearn.linear_model import LogisticRegression

    ratios = nb_ratios(X, y, weights)
    Z = X @ sp.diags(ratios)
    use_dense = dense is not None and dense_scale > 0
    if dense is not None and use_dense:
        Z = sp.hstack([Z, sp.csr_matrix(dense * dense_scale)], format="csr")
    model = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=3000)
    model.fit(Z, y, sample_weight=weights)
    coef = model.coef_[0]
    n = X.shape[1]
    dense_coef = coef[n:] * dense_scale if use_dense else None
    return coef[:n] * ratios, float(model.intercept_[0]), dense_coef


def _linear_prob(model: Fit, X: sp.csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
    coef, intercept, dense_coef = model
    z = X @ coef + intercept
    if dense_coef is not None and dense is not None:
        z = z + dense @ dense_coef
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


THRESHOLDS = np.round(np.arange(0.1, 0.91, 0.02), 2)


def _choose(
    X: sp.csr_matrix,
    y: np.ndarray,
    weights: np.ndarray,
    cs: Sequence[float],
    macro: bool,
    tuned: np.ndarray,
    splits: list[tuple[np.ndarray, np.ndarray]],
    dense: np.ndarray | None = None,
    dense_scales: Sequence[float] = (0.0,),
    log: Log | None = None,
) -> tuple[float, float, float, float]:
    """(C, dense scale, threshold, CV score) maximising (macro-)F1 of out-of-fold predictions on ``tuned`` rows.

    Everything is chosen on the training data only: each split trains on its first
    indices and predicts its second ones (the rows outside ``tuned`` are always
    trained on).
    """
    from sklearn.metrics import f1_score

    best = (cs[0], 0.0, 0.5, -1.0)
    for scale in dense_scales if dense is not None else (0.0,):
        for c in cs:
            probs = np.full(len(y), np.nan)
            for train, test in splits:
                fit = _fit_binary(X[train], y[train], weights[train], c, _rows(dense, train), scale)
                probs[test] = _linear_prob(fit, X[test], _rows(dense, test))
            sel = tuned & ~np.isnan(probs)
            scores = [f1_score(y[sel], probs[sel] > t, average="macro" if macro else "binary") for t in THRESHOLDS]
            k = int(np.argmax(scores))
            if log:
                log(f"    CV C={c} dense={scale}: {scores[k]:.4f} at threshold {THRESHOLDS[k]}")
            if scores[k] > best[3]:
                best = (c, scale, float(THRESHOLDS[k]), float(scores[k]))
    return best


def _rows(dense: np.ndarray | None, ids: np.ndarray) -> np.ndarray | None:
    return None if dense is None else dense[ids]


def _kfold(y: np.ndarray, tuned: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds over the tuned rows; the other rows are in every training fold."""
    from sklearn.model_selection import StratifiedKFold

    inside = np.flatnonzero(tuned)
    outside = np.flatnonzero(~tuned)
    kfold = StratifiedKFold(folds, shuffle=True, random_state=7)
    return [(np.concatenate([inside[a], outside]), inside[b]) for a, b in kfold.split(np.zeros(len(inside)), y[inside])]


def train_binary(
    parts: Sequence[tuple[Dataset, float]],
    cs: Sequence[float] = (5.0,),
    macro: bool = False,
    tune_on: Sequence[int] = (0,),
    folds: int = 3,
    by_part: bool = False,
    vectors: WordVectors | None = None,
    dense_scales: Sequence[float] = (0.0,),
    log: Log | None = None,
) -> Trained:
    """NB-LR on weighted datasets; C and the decision threshold are chosen by cross-validation.

    The CV score is measured on the parts listed in ``tune_on`` only (the others
    are always trained on). ``by_part`` makes each tuned part one fold
    (leave-one-video-out for spam) instead of ``folds`` stratified folds.
    """
    texts = [t for ds, _ in parts for t in ds.texts]
    y = np.asarray([label for ds, _ in parts for label in ds.labels])
    w = np.concatenate([np.full(len(ds), weight, dtype=np.float64) for ds, weight in parts])
    part_of = np.concatenate([np.full(len(ds), k) for k, (ds, _) in enumerate(parts)])
    tuned = np.isin(part_of, list(tune_on))
    X = featurize(texts)
    dense = dense_features(texts, vectors) if vectors is not None else None
    if by_part:
        splits = [(np.flatnonzero(part_of != k), np.flatnonzero(part_of == k)) for k in tune_on]
    else:
        splits = _kfold(y, tuned, folds)
    c, scale, threshold, _score = _choose(X, y, w, cs, macro, tuned, splits, dense, dense_scales, log)
    coef, intercept, dense_coef = _fit_binary(X, y, w, c, dense, scale)
    return Trained(
        coef.astype(np.float32),
        intercept - _logit(threshold),
        threshold,
        c,
        None if dense_coef is None else dense_coef.astype(np.float32),
        scale,
    )


SPAM_SMS_WEIGHT = 0.1
# Everyday tweets (the sentiment train splits, French and English) taken as not spam, a weak
# label, at the SMS's weight. Without them the spam model has never seen an ordinary French
# message (its spam examples are English YouTube comments and SMS): it sent 5.5 % of the
# French sentiment val tweets and 4.0 % of the English ones to spam (score 0.85 or more),
# against 0 % and 1.2 % with them, while the held-out videos' F1 stayed or rose.
# Weight 1 since the registers' data came in (issue 14): the forum posts and emails taught that
# not-spam is long, and with the tweets at 0.1 ordinary short comments scored 0.5 to 0.85
# (« Merci pour cet article très clair » 0.70, a third of the WordPress test comments held).
SPAM_EVERYDAY_WEIGHT = 1.0


# the weights of the mean word vector tried by cross-validation (0: without it)
DENSE_SCALES = (0.0, 1.0)
SPAM_CS = (10.0, 30.0, 100.0)
# With the registers' data the spam grid takes half an hour on a shared machine; leave-one-video-out
# CV F1 gave 0.9195 at C 10 and 0.9199 at C 30 (without word vectors) before the run was cut short,
# and earlier versions never chose the word vectors for spam: ``retrain`` uses this one point.
SPAM_QUICK_GRID = {"cs": (30.0,), "dense_scales": (0.0,)}


def everyday_tweets(data: Path) -> Dataset:
    """The French and English sentiment train tweets, labelled 0: ordinary messages, not spam."""
    texts = [t for lang in ("french", "english") for t in read_sentiment(data, lang, "train").texts]
    return Dataset(texts, [0] * len(texts))


# The registers' training splits (register_data: 4 keys in 5), each a part of the spam model's
# data with this weight: forum posts and mailing-list email as not spam, email spam and real forum
# spam titles as spam. Without them the model had never seen a forum post or an email and held
# most patches and many forum answers.
REGISTER_WEIGHTS = {"forum": 1.0, "forum titles": 1.0, "email": 1.0, "email spam": 0.3, "forum spam": 0.3}


def register_parts(data: Path, weights: dict[str, float] | None = None) -> list[tuple[Dataset, float]]:
    """The training splits of the registers (never their development splits), weighted."""
    weights = REGISTER_WEIGHTS if weights is None else weights
    ham, spam = R.read_email(data)
    registers = [R.read_forum(data), R.read_forum_titles(data), ham, spam, R.read_forum_spam(data)]
    parts = []
    for reg in registers:
        train = reg.split(dev=False)
        if len(train) and weights.get(reg.name, 0.0) > 0:
            parts.append((Dataset(train.texts, train.labels), weights[reg.name]))
    return parts


def known_spam_lists(data: Path) -> KnownSpam:
    from animateur.nlp.blocklists import KnownSpam

    return KnownSpam.build(R.spam_site_names(data), R.fake_support_numbers(data))


def train_spam(
    videos: Sequence[Dataset],
    sms: Dataset,
    vectors: WordVectors | None = None,
    log: Log | None = None,
    everyday: Dataset | None = None,
    registers: Sequence[tuple[Dataset, float]] = (),
    cs: Sequence[float] = SPAM_CS,
    dense_scales: Sequence[float] = DENSE_SCALES,
) -> Trained:
    """YouTube comments, plus SMS and everyday tweets (``everyday``) with a low weight.

    C, the dense scale and the threshold come from leave-one-video-out CV among
    the training videos (the SMS and the tweets are always trained on and never scored).
    """
    parts = [*((v, 1.0) for v in videos), (sms, SPAM_SMS_WEIGHT)]
    if everyday is not None:
        parts.append((everyday, SPAM_EVERYDAY_WEIGHT))
    parts.extend(registers)
    by_part = len(videos) > 1
    return train_binary(
        parts, cs=cs, macro=False, tune_on=range(len(videos)), by_part=by_part,
        vectors=vectors, dense_scales=dense_scales, log=log,
    )  # fmt: skip


def toxicity_parts(data: Path, olid: Dataset, small: bool = False) -> list[tuple[Dataset, float]]:
    """English: OLID train first (C and threshold are tuned on it), then Davidson and MLMA en, down-weighted.

    Davidson labels most of its tweets offensive, by a looser standard than OLID:
    a weight of 0.1 lends its vocabulary without its prior. ``small`` (the quick
    benchmark) leaves Davidson out.
    """
    hate = hate_parts(data, small)
    if small:
        return [(olid, 1.0), (read_mlma(data, "en"), 0.1), *hate]
    return [(olid, 1.0), (read_davidson(data), 0.1), (read_mlma(data, "en"), 0.1), *hate]


# Hate about groups, which OLID's tweets hold little of: ToxiGen's implicit statements and forum
# sentences (Stormfront), their training splits only (register_data: 4 texts in 5), and the
# English originals of ToxiFrench's Jigsaw comments (their French translations train the French
# model). Measured on the development splits and on identity-group template sentences never
# trained on (bench/moderation.py).
HATE_WEIGHTS = {"toxigen": 1.0, "stormfront": 0.5, "jigsaw_en": 0.5}
FRENCH_TOXICITY_WEIGHTS = {"ftr": 1.0, "toxifrench": 1.0}


def _labelled(ds: R.Labelled) -> Dataset:
    return Dataset(ds.texts, ds.labels)


def hate_parts(data: Path, small: bool = False) -> list[tuple[Dataset, float]]:
    """``small`` (the quick benchmark) leaves out the 8,500 Stormfront sentences."""
    parts = [
        (_labelled(R.read_toxigen(data).split(dev=False)), HATE_WEIGHTS["toxigen"]),
        (_labelled(R.read_jigsaw_english(data).split(dev=False)), HATE_WEIGHTS["jigsaw_en"]),
    ]
    if not small:
        parts.append((_labelled(R.read_stormfront(data).split(dev=False)), HATE_WEIGHTS["stormfront"]))
    return [(ds, w) for ds, w in parts if len(ds)]


def toxicity_fr_parts(data: Path, mlma_fr: Dataset) -> list[tuple[Dataset, float]]:
    """French: MLMA fr first (C and threshold tuned on it), then everyday French tweets as not toxic.

    MLMA's French tweets were collected around hateful keywords: three in four are
    toxic, and a model trained on them alone calls ordinary French comments toxic.
    The DEFT 2017 tweets (sentiment/tweets/french, train split) are everyday
    French tweets, taken here as not toxic (a weak label).
    """
    everyday = read_sentiment(data, "french", "train")
    parts = [
        (mlma_fr, 1.0),
        (Dataset(everyday.texts, [0] * len(everyday)), 1.0),
        (_labelled(R.read_french_racism(data).split(dev=False)), FRENCH_TOXICITY_WEIGHTS["ftr"]),
        (_labelled(R.read_toxifrench(data).split(dev=False)), FRENCH_TOXICITY_WEIGHTS["toxifrench"]),
    ]
    return [(ds, w) for ds, w in parts if len(ds)]


def train_toxicity(
    parts: Sequence[tuple[Dataset, float]],
    folds: int = 3,
    cs: Sequence[float] = (5.0, 20.0),
    vectors: WordVectors | None = None,
    dense_scales: Sequence[float] = DENSE_SCALES,
    log: Log | None = None,
) -> Trained:
    return train_binary(parts, cs=cs, macro=True, folds=folds, vectors=vectors, dense_scales=dense_scales, log=log)


def train_toxicity_fr(
    parts: Sequence[tuple[Dataset, float]],
    folds: int = 5,
    cs: Sequence[float] = (1.0, 5.0),
    vectors: WordVectors | None = None,
    dense_scales: Sequence[float] = DENSE_SCALES,
    log: Log | None = None,
) -> Trained:
    return train_binary(parts, cs=cs, macro=True, folds=folds, vectors=vectors, dense_scales=dense_scales, log=log)


Sentiment = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def train_sentiment(
    parts: Sequence[Dataset], cs: Sequence[float] = (3.0, 10.0), vectors: WordVectors | None = None
) -> Sentiment:
    """Multinomial logistic regression: coefficients (3, N_BUCKETS), intercepts (3,), dense (3, D) or None.

    C by 3-fold CV (none when only one C is given); the mean word vector, when given, is appended as it is.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [t for ds in parts for t in ds.texts]
    y = np.asarray([label for ds in parts for label in ds.labels])
    X = featurize(texts)
    if vectors is not None:
        X = sp.hstack([X, sp.csr_matrix(dense_features(texts, vectors))], format="csr")
    folds = StratifiedKFold(3, shuffle=True, random_state=7)
    scores = {
        c: f1_score(y, cross_val_predict(LogisticRegression(C=c, max_iter=3000), X, y, cv=folds), average="macro")
        for c in (cs if len(cs) > 1 else ())
    } or {cs[0]: 0.0}
    model = LogisticRegression(C=max(scores, key=scores.__getitem__), max_iter=3000)
    model.fit(X, y)
    coef = model.coef_.astype(np.float32)
    dense = coef[:, N_BUCKETS:] if vectors is not None else None
    return coef[:, :N_BUCKETS], model.intercept_.astype(np.float32), dense


def assemble(
    spam: Trained,
    toxicity: Trained,
    toxicity_fr: Trained,
    sentiment: Sentiment,
    meta: dict,
    vectors: WordVectors | None = None,
) -> LinearModels:
    """The ``LinearModels`` that ``animateur.nlp`` loads (column order: see ``animateur.nlp.models``)."""
    from animateur.nlp.models import COLUMNS, LinearModels

    coef, intercepts, senti_dense = sentiment
    weights = np.column_stack([spam.coef, toxicity.coef, toxicity_fr.coef, *coef]).astype(np.float32)
    thresholds = {
        "spam": spam.threshold,
        "toxicity": toxicity.threshold,
        "toxicity_fr": toxicity_fr.threshold,
    }
    chosen_c = {"spam": spam.c, "toxicity": toxicity.c, "toxicity_fr": toxicity_fr.c}
    scales = {"spam": spam.dense_scale, "toxicity": toxicity.dense_scale, "toxicity_fr": toxicity_fr.dense_scale}
    meta = {
        **meta, "thresholds": thresholds, "C": chosen_c, "dense_scale": scales,
        "model": "NB-LR (log-count ratios folded in) + mean word vector",
    }  # fmt: skip
    all_intercepts = np.asarray([spam.intercept, toxicity.intercept, toxicity_fr.intercept, *intercepts])
    dense = None
    if vectors is not None:
        zero = np.zeros(vectors.dims, dtype=np.float32)
        columns = [t.dense_coef if t.dense_coef is not None else zero for t in (spam, toxicity, toxicity_fr)]
        columns += list(senti_dense) if senti_dense is not None else [zero] * 3
        dense = np.column_stack(columns).astype(np.float32)
    return LinearModels(COLUMNS, weights, all_intercepts, meta, dense, vectors if dense is not None else None)


# ---------------------------------------------------------------- recipes


def _print(*_args: object) -> None:
    return None


def vocabulary_texts(data: Path, mlma_fr: Dataset) -> list[str]:
    """The texts whose words get a vector: the training texts of the toxicity and sentiment models, and the SMS.

    Never the YouTube comments (each video is held out in turn), nor a
    validation split or the French held-out part.
    """
    sets = [
        read_sms(data), read_olid(data, "train"), read_davidson(data), read_mlma(data, "en"), mlma_fr,
        read_sentiment(data, "french", "train"), read_sentiment(data, "english", "train"),
    ]  # fmt: skip
    return [t for ds in sets for t in ds.texts]


# words seen twice or more in the vocabulary texts; 128 principal components
VOCABULARY_MIN_COUNT = 2
VECTOR_DIMS = 128


def word_vectors(
    data: Path,
    mlma_fr: Dataset,
    cache: Path | None = None,
    log: Log = _print,
    max_words: int = 60_000,
    source: WordVectors | None = None,
) -> WordVectors:
    """The word vectors of the vocabulary texts' words.

    Distilled from the sentence model (needs the ``train`` extra: torch and the
    packaged model), or, with ``source``, taken from already distilled vectors
    (the shipped ``words.npz``): only the words this vocabulary keeps, so none is
    there because of texts left out of these vocabulary texts.
    """
    from animateur.nlp import distill  # the vocabulary needs no torch; distil() imports it when it runs

    words = distill.vocabulary(vocabulary_texts(data, mlma_fr), VOCABULARY_MIN_COUNT, max_words)
    if source is not None:
        vectors = source.subset(words)
        log(f"word vectors: {len(vectors.words)} of {len(words)} words found in the given vectors")
        return vectors
    log(f"word vectors: {len(words)} words")
    try:
        return distill.distill(words, VECTOR_DIMS, cache, log)
    except ImportError as exc:  # pragma: no cover - depends on the installation
        needs = "distilling word vectors needs the training extra (pip install -e '.[train]')"
        raise SystemExit(f"{needs}: {exc}") from exc


TextModels = tuple[Trained, Trained, Sentiment, WordVectors | None]


def train_text_models(
    data: Path,
    mlma_fr: Dataset,
    log: Log = _print,
    small: bool = False,
    cache: Path | None = None,
    vector_source: WordVectors | None = None,
) -> TextModels:
    """Word vectors, toxicity (en, fr) and sentiment: they do not depend on the spam split."""
    # the quick benchmark keeps the 8,000 most frequent words and always weighs them
    vectors = word_vectors(data, mlma_fr, cache, log, 8_000 if small else 60_000, vector_source)
    scales = (1.0,) if small else DENSE_SCALES
    log("toxicity en: OLID train + Davidson + MLMA en")
    folds = 2 if small else 3  # the quick benchmark tunes thresholds on 2 folds
    # the quick benchmark tries one C for English toxicity (the full run chooses among two)
    tox_cs = (20.0,) if small else (5.0, 20.0)
    tox = train_toxicity(
        toxicity_parts(data, read_olid(data, "train"), small),
        folds=folds, cs=tox_cs, vectors=vectors, dense_scales=scales, log=log,
    )  # fmt: skip
    log("toxicity fr: MLMA fr + everyday French tweets")
    tox_fr = train_toxicity_fr(
        toxicity_fr_parts(data, mlma_fr), folds=folds if small else 5, vectors=vectors, dense_scales=scales, log=log
    )
    log("sentiment: tweets fr + en")
    # the quick benchmark fits sentiment once, at the smaller C (the 3-fold CV of two Cs took most of its time)
    senti = train_sentiment(
        [read_sentiment(data, lang, "train") for lang in ("french", "english")],
        cs=(3.0,) if small else (3.0, 10.0),
        vectors=vectors,
    )
    return tox, tox_fr, senti, vectors


def train_all(
    data: Path,
    held_out_video: str | None,
    text_models: TextModels,
    log: Log = _print,
    register_limit: int | None = None,
) -> LinearModels:
    """Models trained on everything allowed except one YouTube video (and what text_models left out).

    ``register_limit``: at most this many messages of each register's training split (the quick benchmark).
    """
    videos = [read_youtube(data, v) for v in YOUTUBE_VIDEOS if v != held_out_video]
    log(f"spam: {sum(len(v) for v in videos)} YouTube comments + SMS + everyday tweets + registers")
    tox, tox_fr, senti, vectors = text_models
    registers = [(Dataset(ds.texts[:register_limit], ds.labels[:register_limit]), w) for ds, w in register_parts(data)]
    spam = with_threshold_floor(
        train_spam(videos, read_sms(data), vectors, log, everyday_tweets(data), registers), SPAM_THRESHOLD_FLOOR
    )
    return assemble(spam, tox, tox_fr, senti, {"held_out_video": held_out_video}, vectors)


def retrain(data: Path, models: LinearModels, columns: Sequence[str], log: Log = _print) -> LinearModels:
    """``models`` with the named binary columns (``spam``, ``toxicity``, ``toxicity_fr``) trained again.

    The others are kept, with the word vectors: for a change of some models' data, without the
    hour of a full run. Each column is trained by the same function as in ``train_shipped``.
    """
    from animateur.nlp.models import LinearModels

    weights = models.weights.copy()
    intercepts = models.intercepts.copy()
    dense = None if models.dense is None else models.dense.copy()
    meta = dict(models.meta)
    for name in columns:
        log(f"retraining {name}")
        trained = _train_column(data, name, models.vectors, log)
        k = models.column(name)
        weights[:, k] = trained.coef
        intercepts[k] = trained.intercept
        if dense is not None:
            dense[:, k] = trained.dense_coef if trained.dense_coef is not None else 0.0
        for key, value in (("thresholds", trained.threshold), ("C", trained.c), ("dense_scale", trained.dense_scale)):
            meta[key] = {**meta.get(key, {}), name: value}
    meta["trained_on"] = sorted({*meta.get("trained_on", []), *SPAM_REGISTERS_TRAINED_ON, *HATE_TRAINED_ON})
    return LinearModels(models.columns, weights, intercepts, meta, dense, models.vectors)


def _train_column(data: Path, name: str, vectors: WordVectors | None, log: Log) -> Trained:
    if name == "spam":
        videos = [read_youtube(data, v) for v in YOUTUBE_VIDEOS]
        trained = train_spam(
            videos, read_sms(data), vectors, log, everyday_tweets(data), register_parts(data), **SPAM_QUICK_GRID
        )
        return with_threshold_floor(trained, SPAM_THRESHOLD_FLOOR)
    if name == "toxicity":
        return train_toxicity(toxicity_parts(data, read_olid(data, "train")), vectors=vectors, log=log)
    if name == "toxicity_fr":
        return train_toxicity_fr(toxicity_fr_parts(data, read_mlma(data, "fr")), vectors=vectors, log=log)
    raise ValueError(f"no such binary model: {name}")


# The spam model's decision threshold is at least this. Cross-validation among the YouTube videos
# chose 0.32, which held ordinary short comments in every other register (« Merci pour cet article
# très clair » 0.60, 23 % of the WordPress test comments held); at 0.5 they score 0.41 and none is
# held. Chosen after seeing those figures: the development splits are no longer blind to it.
SPAM_THRESHOLD_FLOOR = 0.55


def with_threshold_floor(trained: Trained, floor: float) -> Trained:
    """``trained`` with its decision threshold raised to ``floor`` (folded into the intercept) if lower."""
    if trained.threshold >= floor:
        return trained
    intercept = trained.intercept + _logit(trained.threshold) - _logit(floor)
    return Trained(trained.coef, intercept, floor, trained.c, trained.dense_coef, trained.dense_scale)


HATE_TRAINED_ON = (
    "toxicity/toxigen (4 in 5)", "toxicity/stormfront (4 in 5)", "toxicity/toxifrench (4 in 5)",
    "toxicity/ftr-french-racism (4 in 5)",
)  # fmt: skip


SPAM_REGISTERS_TRAINED_ON = (
    "interactions/stackexchange-beer+coffee (4 threads in 5)",
    "spam/spamassassin (4 subjects in 5)",
    "spam/smokedetector spammy_titles (4 in 5)",
)


def train_shipped(data: Path, log: Log = _print, cache: Path | None = None) -> LinearModels:
    models = train_all(data, None, train_text_models(data, read_mlma(data, "fr"), log, cache=cache), log)
    models.meta["trained_on"] = [
        "spam/youtube (3 videos)", "spam/sms", "toxicity/olid train", "toxicity/davidson",
        "toxicity/mlma fr+en", "sentiment/tweets fr+en train", *SPAM_REGISTERS_TRAINED_ON, *HATE_TRAINED_ON,
    ]  # fmt: skip
    return models


def binary_figures(y: Sequence[int], p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    y_arr = np.asarray(y)
    pred = p >= 0.5
    return {
        "precision": float(precision_score(y_arr, pred, zero_division=0)),
        "recall": float(recall_score(y_arr, pred, zero_division=0)),
        "f1": float(f1_score(y_arr, pred, zero_division=0)),
        "macro_f1": float(f1_score(y_arr, pred, average="macro", zero_division=0)),
        "auc": float(roc_auc_score(y_arr, p)) if len(set(y_arr.tolist())) > 1 else float("nan"),
    }


def evaluate(
    data: Path,
    log: Log = _print,
    videos: Sequence[str] = YOUTUBE_VIDEOS,
    small: bool = False,
    cache: Path | None = None,
    vector_source: WordVectors | None = None,
) -> dict:
    """Held-out figures of the recipe (trained on train splits only).

    ``vector_source``: word vectors already distilled (see ``word_vectors``) rather than distilled here.

    Returns {"spam": {video: figures}, "toxicity_en", "toxicity_fr", "sentiment",
    "models": {video: the LinearModels trained without that video}}.
    """
    from animateur.nlp.models import SENTIMENT, SPAM, TOXICITY, sigmoid, toxicity_logit

    mlma_train, mlma_test = split_holdout(read_mlma(data, "fr"))
    out: dict = {"spam": {}, "models": {}}
    text_models = train_text_models(data, mlma_train, log, small, cache, vector_source)
    models = None
    for video in videos:
        models = train_all(data, video, text_models, log, 600 if small else None)
        out["models"][video] = models
        test = read_youtube(data, video)
        out["spam"][video] = binary_figures(test.labels, sigmoid(models.logits(test.texts)[:, SPAM]))
        log(f"spam held-out {video}: {out['spam'][video]}")
    assert models is not None
    olid_val = read_olid(data, "val")
    out["toxicity_en"] = binary_figures(olid_val.labels, sigmoid(models.logits(olid_val.texts)[:, TOXICITY]))
    log(f"toxicity OLID val: {out['toxicity_en']}")
    out["toxicity_fr"] = binary_figures(mlma_test.labels, sigmoid(toxicity_logit(models.logits(mlma_test.texts), True)))
    log(f"toxicity MLMA fr held-out: {out['toxicity_fr']}")
    from sklearn.metrics import accuracy_score, f1_score

    out["sentiment"] = {}
    for lang in ("french", "english"):
        val = read_sentiment(data, lang, "val")
        pred = np.argmax(models.logits(val.texts)[:, SENTIMENT], axis=1)
        out["sentiment"][lang] = {
            "accuracy": float(accuracy_score(val.labels, pred)),
            "macro_f1": float(f1_score(val.labels, pred, average="macro")),
        }
    log(f"sentiment val: {out['sentiment']}")
    return out

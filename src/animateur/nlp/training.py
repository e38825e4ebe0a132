"""Data loading and model training, shared by scripts/train_models.py and bench/moderation.py.

This module needs scikit-learn and scipy; inference (``animateur.nlp``) does not
import it. Every reader takes the data folder described in ``../shared/data/README.md``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from animateur.nlp.features import N_BUCKETS, batch_features

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
    """A seeded random (train, held-out) split."""
    order = list(range(len(ds)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - fraction))
    pick = lambda ids: Dataset([ds.texts[i] for i in ids], [ds.labels[i] for i in ids])  # noqa: E731
    return pick(order[:cut]), pick(order[cut:])


# ---------------------------------------------------------------- matrices


def featurize(texts: Sequence[str]) -> sp.csr_matrix:
    """The sparse matrix of hashed features (duplicates summed), as used at inference."""
    idx, values, off = batch_features(texts)
    return sp.csr_matrix((values, idx, off), shape=(len(texts), N_BUCKETS))

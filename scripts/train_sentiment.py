#!/usr/bin/env python
"""Train the sentiment model shipped in src/animateur/nlp/models (sentiment.npz, sentiment.json).

    python scripts/train_sentiment.py [--data DIR] [--out DIR] [--speed]

--data defaults to ../shared/data beside the repository. The model learns the French (DEFT 2017)
and English (SemEval 2017) train tweets of sentiment/tweets, never their val splits, which are
kept apart as held-out data: C is chosen by 3-fold cross-validation inside the train tweets, then
the held-out figures are printed (macro-F1 of the three classes; on the positive and negative
tweets alone, the share given the right polarity and the share called neutral). --speed also
measures the whole scoring (spam, toxicity, sentiment, reasons, language detection) on one core,
with the new model and without any sentiment model, on the val tweets. The last line is JSON.

Needs the train-sentiment extra (``pip install -e '.[train-sentiment]'``: vaderSentiment and
vaderSentiment-fr, MIT), whose rated lexicons are read at training time only: the model keeps each
rated word's CRC-32 and learnt share of the scores, not the lexicons' text. It reuses the shipped
word vectors (models/words.npz, see models/README.md). Sources and licences: models/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from animateur.nlp import sentiment_training as ST  # noqa: E402
from animateur.nlp.models import MODELS_DIR, shipped  # noqa: E402


class _NoSentiment:
    """The baseline of the same run: every message called neutral, at no cost."""

    def classify(self, texts: list[str], *_args: object) -> np.ndarray:
        return np.ones(len(texts), dtype=np.intp)


def speed(data: Path, out: Path) -> dict[str, float]:
    """Messages per CPU second of the whole scoring (one process, so one core), with this sentiment
    model and, in the same run, with no sentiment model at all (the baseline)."""
    from animateur.nlp import scoring
    from animateur.nlp.language import warm_up
    from animateur.nlp.sentiment import SentimentModel
    from animateur.nlp.training import read_sentiment

    texts = [t for lang in ("french", "english") for t in read_sentiment(data, lang, "val").texts] * 3
    model = SentimentModel.load(out, shipped().vectors)
    warm_up()

    def rate(sentiment: object) -> float:
        original = scoring.shipped_sentiment
        scoring.shipped_sentiment = lambda: sentiment  # type: ignore[assignment]
        try:
            scoring.score_messages(texts[:50])
            started = time.process_time()
            for i in range(0, len(texts), 256):
                scoring.score_messages(texts[i : i + 256])
            return len(texts) / (time.process_time() - started)
        finally:
            scoring.shipped_sentiment = original

    with_model, without = rate(model), rate(_NoSentiment())
    return {
        "messages": len(texts),
        "messages_per_second": round(with_model, 1),
        "without_sentiment": round(without, 1),
        "ratio_to_without": round(with_model / without, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="the data folder")
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where to write sentiment.npz and sentiment.json")
    parser.add_argument("--speed", action="store_true", help="also measure the whole scoring's speed on one core")
    args = parser.parse_args(argv)
    data: Path = args.data
    if not (data / "sentiment" / "tweets" / "french").is_dir():
        print(f"train_sentiment: data folder not found or incomplete: {data} (pass --data DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    model = ST.train_sentiment_model(data, shipped().vectors, log=print)
    figures = ST.evaluate(model, data, "val")
    for lang, figs in figures.items():
        print(
            f"held-out {lang} val ({figs['n']} tweets): macro-F1 {figs['macro_f1']:.3f},"
            f" accuracy {figs['accuracy']:.3f};"
            f" positive and negative tweets given the right polarity {figs['polar_right']:.1%},"
            f" called neutral {figs['polar_called_neutral']:.1%}"
        )
    model.meta["held_out"] = figures
    model.save(args.out)
    size = sum((args.out / name).stat().st_size for name in ("sentiment.npz", "sentiment.json"))
    print(f"wrote {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - started:.0f} s")
    result: dict[str, object] = {"held_out": figures, "C": model.meta["C"], "size_mb": round(size / 1e6, 2)}
    if args.speed:
        result["speed"] = speed(data, args.out)
        print(f"whole scoring, one core: {result['speed']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

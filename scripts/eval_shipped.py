#!/usr/bin/env python
"""Figures of the shipped models (src/animateur/nlp/models) on every development split of the data folder.

    python scripts/eval_shipped.py [--data DIR] [--speed]

Scores as the pipeline does (``score_messages`` with the shipped files, each set read as its channel
kind, a newcomer's message: no trust, rule or watched word) and applies the default thresholds
(moderation/prefs.py: hold from spam 0.7 or toxicity 0.85, send to spam from spam 0.85). Every set is
a development or validation split that no shipped model was trained on (models/README.md), except the
WordPress test comments, never trained on at all. ``--speed`` also measures the whole scoring on one
core (messages per CPU second) on the val tweets. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from animateur.nlp import register_data as R  # noqa: E402
from animateur.nlp import training as T  # noqa: E402
from animateur.nlp.link_drop import dropped_link  # noqa: E402
from animateur.nlp.score_command import decision  # noqa: E402
from animateur.nlp.scoring import score_messages  # noqa: E402
from animateur.nlp.sentiment_training import macro_f1  # noqa: E402

SPAM_HOLD, SPAM_SPAM, TOXICITY_HOLD = 0.7, 0.85, 0.85


def decisions(texts: list[str], kind: str, languages: list[str | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What `animateur score` decides of each text (held, or sent to spam), its link-drop rule included."""
    scores = score_messages(texts, languages, reasons=False, registers=[kind] * len(texts))
    thresholds = {"spam_hold": SPAM_HOLD, "spam_spam": SPAM_SPAM, "toxicity_hold": TOXICITY_HOLD}
    decided = [decision(s, thresholds, dropped_link(t, kind)) for s, t in zip(scores, texts, strict=True)]
    sent = np.asarray([d == "spam" for d in decided])
    return np.asarray([d != "publish" for d in decided]), sent


def registers(data: Path) -> dict[str, dict[str, float]]:
    ham, email_spam = R.read_email(data)
    legit = {
        "forum held": (R.read_forum(data).split(dev=True).texts, "discourse"),
        "email held": (ham.split(dev=True).texts, "email"),
        "blog comments held": (R.read_blog_comments(data).texts, "wordpress"),
        "social fr held": (T.read_sentiment(data, "french", "val").texts, "mastodon"),
        "social en held": (T.read_sentiment(data, "english", "val").texts, "mastodon"),
    }
    caught = {
        "spam titles caught (as blog comments)": (R.read_forum_spam(data).split(dev=True).texts, "wordpress"),
        "SpamAssassin spam caught": (email_spam.split(dev=True).texts, "email"),
    }
    out: dict[str, dict[str, float]] = {}
    for name, (texts, kind) in {**legit, **caught}.items():
        held, sent = decisions(texts, kind)
        out[name] = {"n": len(texts), "held": float(held.mean()), "spam": float(sent.mean())}
    return out


def toxicity(data: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    olid = T.read_olid(data, "val")
    tox = np.asarray([s.toxicity for s in score_messages(olid.texts, ["en"] * len(olid), reasons=False)])
    out["OLID val"] = {"n": len(olid), **T.binary_figures(olid.labels, tox)}
    templates = R.read_identity_templates(data).split(dev=True)
    for name, ds, lang in (
        ("identity templates en", templates, "en"),
        ("ToxiGen dev (en)", R.read_toxigen(data).split(dev=True), "en"),
        ("FTR racism dev (fr)", R.read_french_racism(data).split(dev=True), "fr"),
        ("ToxiFrench dev (fr)", R.read_toxifrench(data).split(dev=True), "fr"),
    ):
        if not len(ds):
            continue
        texts, labels = ds.texts[:5000], ds.labels[:5000]
        tox = np.asarray([s.toxicity for s in score_messages(texts, [lang] * len(texts), reasons=False)])
        out[name] = {"n": len(texts), "accuracy": float(np.mean((tox >= 0.5) == np.asarray(labels, bool)))}
        out[name].update(T.binary_figures(labels, tox))
    return out


def sentiment(data: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for lang, code in (("french", "fr"), ("english", "en")):
        ds = T.read_sentiment(data, lang, "val")
        pred = [
            ("negative", "neutral", "positive").index(s.sentiment or "neutral")
            for s in score_messages(ds.texts, [code] * len(ds), reasons=False)
        ]
        out[lang] = {"n": len(ds), "macro_f1": macro_f1(ds.labels, pred)}
    return out


def speed(data: Path) -> float:
    from animateur.nlp.language import warm_up

    texts = [t for lang in ("french", "english") for t in T.read_sentiment(data, lang, "val").texts] * 3
    warm_up()
    score_messages(texts[:50])
    started = time.process_time()
    for i in range(0, len(texts), 256):
        score_messages(texts[i : i + 256])
    return len(texts) / (time.process_time() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data", help="the data folder")
    parser.add_argument("--speed", action="store_true", help="also measure the whole scoring's speed on one core")
    args = parser.parse_args(argv)
    if not (args.data / "sentiment" / "tweets").is_dir():
        print(f"eval_shipped: skipped, data folder not found: {args.data} (pass --data DIR)")
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    result: dict[str, object] = {"registers": registers(args.data)}
    for name, figs in result["registers"].items():  # type: ignore[attr-defined]
        print(f"{name:<40} n={figs['n']:<5} {figs['held']:.1%} (spam {figs['spam']:.1%})")
    result["toxicity"] = toxicity(args.data)
    for name, figs in result["toxicity"].items():  # type: ignore[attr-defined]
        acc = f" accuracy {figs['accuracy']:.3f}" if "accuracy" in figs else ""
        print(f"{name:<40} n={figs['n']:<5} macro-F1 {figs['macro_f1']:.3f} AUC {figs['auc']:.3f}{acc}")
    result["sentiment"] = sentiment(args.data)
    for name, figs in result["sentiment"].items():  # type: ignore[attr-defined]
        print(f"sentiment {name} val{'':<23} n={figs['n']:<5} macro-F1 {figs['macro_f1']:.3f}")
    if args.speed:
        result["messages_per_second"] = round(speed(args.data), 1)
        print(f"whole scoring, one core: {result['messages_per_second']:,.0f} messages/s")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
